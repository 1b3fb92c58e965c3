import { CommandRegistry } from '@lumino/commands';
import React from 'react';

import { CommandIDs } from '../commandIds';
import { DeploymentList } from './deployments';
import { modelIcon } from './icons';
import { useProjectRegistry } from './registryModel';
import { IModel } from './types';

/** One model of the list: name, task, versions and aliases; opens the Models panel on it. */
function ModelRow({ entry, open }: { entry: IModel; open: () => void }): JSX.Element {
  const aliases = Object.entries(entry.aliases);
  return (
    <li
      className="mass-ModelList-item"
      data-model={entry.name}
      tabIndex={0}
      title={`Open ${entry.name} in the Models panel`}
      onClick={open}
      onKeyDown={event => event.key === 'Enter' && open()}
    >
      <span className="mass-ModelList-name">{entry.name}</span>
      <span className="mass-ModelList-meta">
        {entry.version_count} version{entry.version_count === 1 ? '' : 's'}
        {entry.latest_version !== null && `, latest v${entry.latest_version}`}
      </span>
      {aliases.map(([alias, version]) => (
        <span key={alias} className="mass-AliasChip" data-alias={alias}>
          @{alias} v{version}
        </span>
      ))}
    </li>
  );
}

/**
 * The project panel's Models and Deployments sections, from one poll of the
 * registry: the models (each opening the Models panel) and the deployments
 * with their URL, status, request count and latency.
 */
export function RegistrySections({
  projectId,
  commands
}: {
  projectId: string;
  commands: CommandRegistry;
}): JSX.Element {
  const registry = useProjectRegistry(projectId);
  const openModels = (name?: string): void =>
    void commands.execute(CommandIDs.openModels, name ? { projectId, model: name } : { projectId });
  return (
    <>
      <section className="mass-Section" data-section="models">
        <h2 className="mass-Section-title">
          Models
          <span className="mass-RunsSection-actions">
            <button
              className="mass-TextButton mass-OpenModelsButton"
              title="Open the Models panel: versions, comparison, deploy, test, export"
              onClick={() => openModels()}
            >
              <modelIcon.react tag="span" className="mass-ButtonIcon" />
              Open
            </button>
          </span>
          <span className="mass-Section-count">{registry.models.length}</span>
        </h2>
        {registry.error && <div className="mass-Message mass-mod-error">Cannot list the models: {registry.error}</div>}
        {registry.models.length === 0 ? (
          <div className="mass-Section-empty">
            <strong>{registry.loaded ? 'No models yet.' : 'Loading models…'}</strong> Register a completed run with the
            Register button of its training panel: its versions, lineage and model card are listed here.
          </div>
        ) : (
          <ul className="mass-ModelList">
            {registry.models.map(entry => (
              <ModelRow key={entry.name} entry={entry} open={() => openModels(entry.name)} />
            ))}
          </ul>
        )}
      </section>
      <section className="mass-Section" data-section="deployments">
        <h2 className="mass-Section-title">
          Deployments
          <span className="mass-Section-count">
            {registry.deployments.filter(deployment => deployment.status !== 'stopped').length}
          </span>
        </h2>
        {registry.deployments.length === 0 ? (
          <div className="mass-Section-empty">
            <strong>No deployments yet.</strong> Deploy a model version from the Models panel; each deployment has a
            test page.
          </div>
        ) : (
          <DeploymentList deployments={registry.deployments} projectId={projectId} commands={commands} compact />
        )}
      </section>
    </>
  );
}
