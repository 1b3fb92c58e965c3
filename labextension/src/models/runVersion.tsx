import { CommandRegistry } from '@lumino/commands';
import React, { useEffect, useState } from 'react';

import { CommandIDs } from '../commandIds';
import { getModel, listModels } from './client';
import { modelIcon } from './icons';
import { registryEvents } from './registryModel';

/** A registered version: its model's name and number. */
interface IVersionRef {
  model: string;
  number: number;
}

/** The live version registered from a run, if any (runs register themselves when they complete). */
async function findRunVersion(projectId: string, runId: number): Promise<IVersionRef | null> {
  for (const summary of await listModels(projectId)) {
    const model = await getModel(summary.name);
    const found = model.versions.find(version => version.run_id === runId && !version.deleted_at);
    if (found) {
      return { model: model.name, number: found.number };
    }
  }
  return null;
}

/** The version registered from a run, looked up again when the project's models change here. */
function useRunVersion(projectId: string, runId: number): IVersionRef | null | undefined {
  const [found, setFound] = useState<IVersionRef | null | undefined>(undefined);
  useEffect(() => {
    let live = true;
    let looks = 0;
    // Only the latest look answers: an older one may have started before a registration.
    const look = (): void => {
      const ticket = ++looks;
      const answer = (version: IVersionRef | null): void => {
        if (live && ticket === looks) {
          setFound(version);
        }
      };
      findRunVersion(projectId, runId).then(answer, () => answer(null));
    };
    const onEvent = (_: unknown, changed: string): void => {
      if (changed === projectId) {
        look();
      }
    };
    look();
    registryEvents.changed.connect(onEvent);
    return () => {
      live = false;
      registryEvents.changed.disconnect(onEvent);
    };
  }, [projectId, runId]);
  return found;
}

/**
 * A completed run's way to the registry: the version it was registered as
 * (opening the Models panel on it), or a Register button when it has none.
 */
export function RunVersionButton(props: {
  projectId: string;
  runId: number;
  commands: CommandRegistry;
}): JSX.Element | null {
  const { projectId, runId, commands } = props;
  const version = useRunVersion(projectId, runId);
  const [busy, setBusy] = useState(false);
  if (version === undefined) {
    return null;
  }
  if (version) {
    return (
      <button
        className="jp-mod-styled mass-RunVersionButton"
        title={`This run is registered as ${version.model} v${version.number}: open it in the Models panel`}
        onClick={() =>
          void commands.execute(CommandIDs.openModels, { projectId, model: version.model, version: version.number })
        }
      >
        <modelIcon.react tag="span" className="mass-ButtonIcon" />
        {version.model} v{version.number}
      </button>
    );
  }
  return (
    <button
      className="jp-mod-styled jp-mod-accept mass-RegisterButton"
      disabled={busy}
      title="Register the best checkpoint as a new model version and open the Models panel"
      onClick={() => {
        setBusy(true);
        void commands.execute(CommandIDs.registerRun, { runId, projectId }).finally(() => setBusy(false));
      }}
    >
      {busy ? 'Registering…' : 'Register'}
    </button>
  );
}
