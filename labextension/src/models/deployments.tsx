import { showErrorMessage } from '@jupyterlab/apputils';
import { CommandRegistry } from '@lumino/commands';
import React, { useState } from 'react';

import { errorMessage } from '../api';
import { formatDate } from '../format';
import { CommandIDs } from '../commandIds';
import { undeploy } from './client';
import { formatLatency, predictURL } from './format';
import { registryEvents } from './registryModel';
import { DeploymentStatus, IDeployment } from './types';

/** What each deployment status says to people. */
const STATUS_TEXT: Record<DeploymentStatus, { label: string; hint: string }> = {
  starting: { label: 'Starting', hint: 'Its worker process is loading the model.' },
  running: { label: 'Running', hint: 'Serving predictions.' },
  failed: { label: 'Failed', hint: 'Its worker could not start or stopped on an error.' },
  stopped: { label: 'Stopped', hint: 'Undeployed: it serves no more predictions.' }
};

/** A deployment's status as a coloured badge (class `mass-StatusBadge`, `data-status`). */
export function DeploymentBadge({ deployment }: { deployment: IDeployment }): JSX.Element {
  const text = STATUS_TEXT[deployment.status] ?? { label: deployment.status, hint: '' };
  const hint = deployment.error ? `${text.hint}\n${deployment.error}` : text.hint;
  return (
    <span className="mass-StatusBadge" data-status={deployment.status} title={hint}>
      {text.label}
    </span>
  );
}

/** Whether a deployment is starting or serving (it has a test page to open). */
export function isLive(deployment: IDeployment): boolean {
  return deployment.status === 'starting' || deployment.status === 'running';
}

/** Stop a deployment, telling the project's lists; errors go to a dialog. */
async function stop(deployment: IDeployment, projectId: string): Promise<void> {
  try {
    await undeploy(deployment.id);
  } catch (error) {
    await showErrorMessage(`Could not stop deployment ${deployment.id}`, errorMessage(error));
  }
  registryEvents.emit(projectId);
}

/** One deployment: model and version, status, URL, counters, and its Test and Stop buttons. */
function DeploymentRow(props: IDeploymentListProps & { deployment: IDeployment }): JSX.Element {
  const { deployment, projectId, commands, compact } = props;
  const [stopping, setStopping] = useState(false);
  const live = isLive(deployment);
  return (
    <tr className="mass-DeploymentList-item" data-deployment-id={deployment.id} data-status={deployment.status}>
      <td className="mass-DeploymentList-model">
        {deployment.model} <span className="mass-VersionTag">v{deployment.version}</span>
      </td>
      <td>
        <DeploymentBadge deployment={deployment} />
      </td>
      {!compact && (
        <td className="mass-DeploymentList-url" title={predictURL(deployment)}>
          <code>{deployment.url}</code>
        </td>
      )}
      <td className="mass-mod-number" title={`${deployment.errors} answered with an error`}>
        {deployment.requests}
        {deployment.errors > 0 && <span className="mass-DeploymentList-errors"> ({deployment.errors} failed)</span>}
      </td>
      <td className="mass-mod-number" title="Median time to answer a prediction request">
        {formatLatency(deployment.latency_ms_p50)}
      </td>
      {!compact && <td title={`Deployed by ${deployment.created_by}`}>{formatDate(deployment.created_at, 'time')}</td>}
      <td className="mass-DeploymentList-actions">
        <button
          className="jp-mod-styled jp-mod-accept mass-TestButton"
          disabled={!live}
          title="Open the online test page of this deployment"
          onClick={() => void commands.execute(CommandIDs.testDeployment, { deploymentId: deployment.id })}
        >
          Test
        </button>
        {live && (
          <button
            className="jp-mod-styled mass-StopButton"
            disabled={stopping}
            title="Undeploy: stop serving predictions"
            onClick={() => {
              setStopping(true);
              void stop(deployment, projectId).finally(() => setStopping(false));
            }}
          >
            {stopping ? 'Stopping…' : 'Stop'}
          </button>
        )}
      </td>
    </tr>
  );
}

/** What a list of deployments shows, and where its buttons act. */
interface IDeploymentListProps {
  projectId: string;
  commands: CommandRegistry;
  /** Leave out the URL and date columns (the project panel's narrow section). */
  compact?: boolean;
}

/** The deployments of a project as a table (class `mass-DeploymentList`); stopped ones last. */
export function DeploymentList(props: IDeploymentListProps & { deployments: readonly IDeployment[] }): JSX.Element {
  const rank = (deployment: IDeployment): number => (deployment.status === 'stopped' ? 1 : 0);
  const sorted = [...props.deployments].sort((a, b) => rank(a) - rank(b) || b.id - a.id);
  return (
    <div className="mass-TableScroll">
      <table className={`mass-RunTable mass-DeploymentList${props.compact ? ' mass-mod-compact' : ''}`}>
        <thead>
          <tr>
            <th>Model</th>
            <th>Status</th>
            {!props.compact && <th>Predict URL</th>}
            <th className="mass-mod-number">Requests</th>
            <th className="mass-mod-number">Latency p50</th>
            {!props.compact && <th>Deployed</th>}
            <th />
          </tr>
        </thead>
        <tbody>
          {sorted.map(deployment => (
            <DeploymentRow
              key={deployment.id}
              deployment={deployment}
              projectId={props.projectId}
              commands={props.commands}
              compact={props.compact}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}
