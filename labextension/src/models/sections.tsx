import { CommandRegistry } from '@lumino/commands';
import React from 'react';

import { CommandIDs } from '../commandIds';
import { DeploymentBadge, DeploymentList, isLive } from './deployments';
import { modelIcon, testIcon } from './icons';
import { ProjectRegistryModel } from './registryModel';
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

/** What the project panel's registry parts show: one poll of the project's registry. */
interface IRegistryProps {
  registry: ProjectRegistryModel;
  commands: CommandRegistry;
}

/**
 * The project's live deployments at the top of the project panel (class `mass-LiveDeployments`), each
 * with its Test page; nothing while none is starting or running.
 */
export function LiveDeployments({ registry, commands }: IRegistryProps): JSX.Element | null {
  const live = registry.deployments.filter(isLive);
  if (live.length === 0) {
    return null;
  }
  return (
    <section className="mass-Callout mass-LiveDeployments" aria-label="Live deployments">
      <h2 className="mass-LiveDeployments-title">Serving now</h2>
      <ul className="mass-LiveDeployments-list">
        {live.map(deployment => (
          <li key={deployment.id} className="mass-LiveDeployments-item" data-deployment-id={deployment.id}>
            <span className="mass-LiveDeployments-model">
              {deployment.model} <span className="mass-VersionTag">v{deployment.version}</span>
            </span>
            <DeploymentBadge deployment={deployment} />
            <button
              className="mass-TextButton mass-LiveDeployments-test"
              title="Open the online test page of this deployment"
              onClick={() => void commands.execute(CommandIDs.testDeployment, { deploymentId: deployment.id })}
            >
              <testIcon.react tag="span" className="mass-ButtonIcon" />
              Test page
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * The project panel's Models and Deployments sections: the models (each
 * opening the Models panel) and the deployments with their status, request
 * count and latency.
 */
export function RegistrySections({ registry, commands }: IRegistryProps): JSX.Element {
  const projectId = registry.projectId;
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
