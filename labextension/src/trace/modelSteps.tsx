import { CommandRegistry } from '@lumino/commands';
import React from 'react';

import { CommandIDs } from '../commandIds';
import { formatDate } from '../format';
import { Empty, Hash, OpenButton, Step } from './atoms';
import { ITraceAlias, ITraceModel } from './client';
import { DeploymentsStep } from './servingSteps';

/** A status as a coloured badge (the training and models styles colour each status). */
export function Badge({ status }: { status: string }): JSX.Element {
  return (
    <span className="mass-StatusBadge" data-status={status}>
      {status}
    </span>
  );
}

/** What happened to an alias on one version: set on it, moved off it to another, or taken off. */
interface IAliasChange {
  alias: string;
  change: 'set' | 'moved' | 'removed';
  /** Where it moved to. */
  to?: number | null;
  at?: string | null;
  by?: string | null;
}

/** The alias history of version `version`, oldest first, from the model's whole history (an alias taken
 * off names no version: it was on the one it was last set on). */
export function aliasHistory(aliases: ITraceAlias[], version: number): IAliasChange[] {
  const on = new Map<string, number | null | undefined>();
  const found: IAliasChange[] = [];
  for (const { alias, version: target, removed, at, by } of aliases) {
    if (!alias) {
      continue;
    }
    const before = on.get(alias);
    if (removed) {
      if (before === version) {
        found.push({ alias, change: 'removed', at, by });
      }
      on.delete(alias);
      continue;
    }
    if (target === version) {
      found.push({ alias, change: 'set', at, by });
    } else if (before === version) {
      found.push({ alias, change: 'moved', to: target, at, by });
    }
    on.set(alias, target);
  }
  return found;
}

/** One alias change as a small chip: "@production set · Nov 29", "moved to v3", "removed". */
function AliasChip({ change }: { change: IAliasChange }): JSX.Element {
  const what = change.change === 'moved' ? `moved to v${change.to ?? '?'}` : change.change;
  return (
    <li
      className="mass-AliasChip mass-TraceAlias"
      data-alias={change.alias}
      data-change={change.change}
      title={`@${change.alias} ${what}${change.by ? ` by ${change.by}` : ''}, ${formatDate(change.at, 'time')}`}
    >
      @{change.alias} {what} · {formatDate(change.at, 'short')}
    </li>
  );
}

/** The steps from the frozen dataset version to the model version's deployments and predictions (list items of
 * a `mass-Trace` list). */
export function ModelChain(props: {
  link: ITraceModel;
  projectId: string | undefined;
  commands: CommandRegistry;
}): JSX.Element {
  const { link, projectId, commands } = props;
  const frozen = link.dataset_version;
  const run = link.run;
  const runId = run?.id;
  const history = aliasHistory(link.aliases, link.version);
  return (
    <>
      <Step
        kind="frozen"
        label="Frozen version"
        empty={!frozen}
        title={
          frozen ? (
            <>
              <span className="mass-TraceName">version {frozen.number ?? '—'}</span>
              <Hash value={frozen.digest} length={16} what="digest of the frozen items, labels and masks" />
            </>
          ) : undefined
        }
        meta={frozen ? { at: frozen.at, by: frozen.by, verb: 'frozen' } : undefined}
      >
        {!frozen && <Empty>No frozen dataset version: the model came from a file, not a run.</Empty>}
      </Step>
      <Step
        kind="run"
        label="Run"
        empty={!run}
        title={
          run ? (
            <>
              <span className="mass-TraceName">Run {run.id}</span>
              {run.status && <Badge status={run.status} />}
            </>
          ) : undefined
        }
        meta={run ? { at: run.at, by: run.by, verb: 'started' } : undefined}
        actions={
          runId !== undefined && (
            <OpenButton
              label="Open run"
              title="Open the run's curves and report"
              onClick={() => void commands.execute(CommandIDs.openRun, { runId })}
            />
          )
        }
      >
        {run?.finished_at && <p className="mass-TraceNote">finished {formatDate(run.finished_at, 'time')}</p>}
        {!run && <Empty>No training run: this version was registered from a model file.</Empty>}
      </Step>
      <Step
        kind="model"
        label="Model version"
        title={
          <>
            <span className="mass-TraceName">{link.model}</span>
            <span className="mass-VersionTag">v{link.version}</span>
            {link.deleted_at && <Badge status="deleted" />}
            <Hash value={link.digest} what="digest of the model's files" />
          </>
        }
        meta={{ at: link.at, by: link.by, verb: 'registered' }}
        actions={
          projectId !== undefined && (
            <OpenButton
              label="Open version"
              title="Show this version in the Models panel"
              onClick={() =>
                void commands.execute(CommandIDs.openModels, { projectId, model: link.model, version: link.version })
              }
            />
          )
        }
      >
        {history.length > 0 ? (
          <ul className="mass-TraceAliases" aria-label="Alias history">
            {history.map((change, index) => (
              <AliasChip key={index} change={change} />
            ))}
          </ul>
        ) : (
          <p className="mass-TraceNote">No alias was ever set on this version.</p>
        )}
      </Step>
      <DeploymentsStep deployments={link.deployments} commands={commands} />
    </>
  );
}
