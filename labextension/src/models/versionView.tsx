import { Dialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { downloadIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import React, { useState } from 'react';

import { errorMessage } from '../api';
import { CommandIDs } from '../commandIds';
import { plural } from '../data/types';
import { className, formatDate } from '../format';
import { Tile } from '../shared/report';
import { downloadURL } from './client';
import { ExportReport, parityFound, toleranceText } from './exportReport';
import { columnRange, formatMetric, keyMetrics } from './format';
import { Markdown } from './markdown';
import { Select } from './select';
import { ModelsPanelModel } from './panelModel';
import { IExportedFile, IExportReport, ISignature, IVersion, Runtime } from './types';

/** The aliases a version can be given from the panel. */
const ALIASES = ['production', 'staging'];

/** The runtimes a version can be deployed on, with what the panel calls them. */
const RUNTIMES: [Runtime, string][] = [
  ['torch', 'PyTorch'],
  ['onnx', 'ONNX Runtime']
];

/** The action under way on a version. */
type Action = 'deploy' | 'alias' | 'export' | 'delete' | 'restore';

/** Run one action at a time; a failure goes to a dialog titled `failure`. */
function useActions(): [Action | null, (action: Action, failure: string, work: () => Promise<unknown>) => void] {
  const [busy, setBusy] = useState<Action | null>(null);
  const run = (action: Action, failure: string, work: () => Promise<unknown>): void => {
    setBusy(action);
    work()
      .catch(error => showErrorMessage(failure, errorMessage(error)))
      .finally(() => setBusy(null));
  };
  return [busy, run];
}

/** Ask before deleting a version (it can be restored). */
async function confirmDelete(version: IVersion): Promise<boolean> {
  const answer = await showDialog({
    title: 'Delete model version',
    body: `Delete ${version.model} v${version.number}? Its files stay in the workspace and Restore brings it back.`,
    buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete' })],
    defaultButton: 0
  });
  return answer.button.accept;
}

/** Ask before deploying a format whose export failed its parity check; true to deploy anyway (audited). */
async function confirmParityOverride(label: string, file: IExportedFile): Promise<boolean> {
  const answer = await showDialog({
    title: 'ONNX export failed its parity check',
    body:
      `The ONNX export of ${label} differs from the PyTorch model by more than its tolerance ` +
      `(found ${parityFound(file)}; tolerance ${toleranceText(file)}), so its predictions may not be the ` +
      "model's. Deploy on PyTorch, export again, or deploy ONNX anyway (recorded in the audit log).",
    buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Deploy anyway' })],
    defaultButton: 0
  });
  return answer.button.accept;
}

/** The version's aliases as chips, each with a button that takes it off. */
function AliasChips(props: { version: IVersion; model: ModelsPanelModel; disabled: boolean }): JSX.Element | null {
  const { version, model, disabled } = props;
  if (version.aliases.length === 0) {
    return null;
  }
  return (
    <span className="mass-AliasChips">
      {version.aliases.map(alias => (
        <span key={alias} className="mass-AliasChip" data-alias={alias}>
          @{alias}
          <button
            className="mass-AliasChip-remove"
            aria-label={`Remove alias ${alias}`}
            title={`Remove alias ${alias}`}
            disabled={disabled}
            onClick={() =>
              void model
                .removeAlias(alias)
                .catch(error => showErrorMessage('Could not remove the alias', errorMessage(error)))
            }
          >
            ×
          </button>
        </span>
      ))}
    </span>
  );
}

/** Deploy, alias, download, export, delete or restore the version shown. */
function VersionActions(props: {
  version: IVersion;
  model: ModelsPanelModel;
  report: IExportReport | undefined;
  busy: Action | null;
  run: (action: Action, failure: string, work: () => Promise<unknown>) => void;
}): JSX.Element {
  const { version, model, report, busy, run } = props;
  const [alias, setAlias] = useState(ALIASES[0]);
  const [runtime, setRuntime] = useState<Runtime>('torch');
  const deleted = version.deleted_at !== null;
  const label = `${version.model} v${version.number}`;
  const failedOnnx = runtime === 'onnx' && report?.onnx.passed === false ? report.onnx : null;
  return (
    <div className="mass-VersionActions" role="toolbar" aria-label="Version actions">
      <button
        className="jp-mod-styled jp-mod-accept mass-DeployButton"
        disabled={deleted || busy !== null}
        data-parity={failedOnnx ? 'failed' : undefined}
        title={
          failedOnnx
            ? 'The ONNX export failed its parity check: deploying it asks you to confirm'
            : 'Start a prediction endpoint for this version'
        }
        onClick={() =>
          run('deploy', `Could not deploy ${label}`, async () => {
            if (failedOnnx && !(await confirmParityOverride(label, failedOnnx))) {
              return;
            }
            await model.deploy(runtime, failedOnnx !== null);
          })
        }
      >
        {busy === 'deploy' ? 'Deploying…' : 'Deploy'}
      </button>
      <Select
        label="Runtime"
        className="mass-RuntimeSelect"
        title="What the deployment runs the model on (ONNX Runtime exports the model first if needed)"
        value={runtime}
        choices={RUNTIMES}
        disabled={deleted || busy !== null}
        onChange={value => setRuntime(value as Runtime)}
      />
      <span className="mass-AliasSetter">
        <Select
          label="Alias"
          value={alias}
          choices={ALIASES.map(name => [name, name])}
          disabled={deleted || busy !== null}
          onChange={setAlias}
        />
        <button
          className="jp-mod-styled mass-SetAliasButton"
          disabled={deleted || busy !== null || version.aliases.includes(alias)}
          title={`Point @${alias} at this version`}
          onClick={() => run('alias', 'Could not set the alias', () => model.setAlias(alias))}
        >
          Set alias
        </button>
      </span>
      <a
        className="jp-mod-styled mass-LinkButton mass-DownloadButton"
        href={downloadURL(version.model, version.number)}
        download={`${version.model}-v${version.number}.zip`}
        title="Download the MONAI bundle of this version as a zip"
      >
        <downloadIcon.react tag="span" className="mass-ButtonIcon" />
        Download
      </a>
      <button
        className="jp-mod-styled mass-ExportButton"
        disabled={deleted || busy !== null}
        title="Write TorchScript, ONNX and a MONAI Bundle folder, each checked against this model"
        onClick={() => run('export', `Could not export ${label}`, () => model.exportVersion())}
      >
        {busy === 'export' ? 'Exporting…' : 'Export'}
      </button>
      {deleted ? (
        <button
          className="jp-mod-styled mass-RestoreButton"
          disabled={busy !== null}
          onClick={() => run('restore', `Could not restore ${label}`, () => model.restoreVersion())}
        >
          Restore
        </button>
      ) : (
        <button
          className="jp-mod-styled jp-mod-warn mass-DeleteVersionButton"
          disabled={busy !== null}
          title="Delete this version (it can be restored)"
          onClick={() =>
            run('delete', `Could not delete ${label}`, async () => {
              if (await confirmDelete(version)) {
                await model.deleteVersion();
              }
            })
          }
        >
          Delete
        </button>
      )}
      {(busy === 'deploy' || busy === 'export') && (
        <span className="mass-Busy" role="status">
          <span className="mass-Spinner" aria-hidden="true" />
          {busy === 'deploy' ? 'starting a worker…' : 'exporting and checking parity…'}
        </span>
      )}
    </div>
  );
}

/** Where the version comes from: run, dataset version, configuration, package. */
function Lineage({ version, commands }: { version: IVersion; commands: CommandRegistry }): JSX.Element {
  const { lineage } = version;
  const runId = lineage.run_id ?? version.run_id;
  return (
    <dl className="mass-Lineage">
      <dt>Run</dt>
      <dd>
        {runId !== null ? (
          <button
            className="mass-LinkText"
            title="Open the run's curves and report"
            onClick={() => void commands.execute(CommandIDs.openRun, { runId })}
          >
            Run {runId}
          </button>
        ) : (
          'imported file'
        )}
      </dd>
      <dt>Dataset</dt>
      <dd>
        {lineage.dataset_id !== null ? (
          <button
            className="mass-LinkText"
            onClick={() => void commands.execute(CommandIDs.openDataset, { datasetId: lineage.dataset_id })}
          >
            dataset {lineage.dataset_id}, version {lineage.dataset_version ?? '—'}
          </button>
        ) : (
          '—'
        )}
      </dd>
      <dt>Labels</dt>
      <dd title="The digest of the frozen items, labels and masks the run trained on">
        <code>{lineage.dataset_digest ? lineage.dataset_digest.slice(0, 16) : '—'}</code>
      </dd>
      <dt>Mass IDE</dt>
      <dd>{lineage.package_version ?? '—'}</dd>
      <dt>Registered</dt>
      <dd>
        {formatDate(lineage.created_at ?? version.created_at, 'time')} by {lineage.created_by ?? version.created_by}
      </dd>
      {lineage.config && (
        <>
          <dt>Configuration</dt>
          <dd>
            <details className="mass-LineageConfig">
              <summary>{Object.keys(lineage.config).length} settings</summary>
              <pre>{JSON.stringify(lineage.config, null, 2)}</pre>
            </details>
          </dd>
        </>
      )}
    </dl>
  );
}

/** What the model takes and gives, in words. */
function SignatureSummary({ signature }: { signature: ISignature }): JSX.Element {
  const { inputs, outputs } = signature;
  const takes =
    inputs.kind === 'table'
      ? `${plural(inputs.columns.length, 'lab value')}: ${inputs.columns
          .map(column => `${column.name}${column.unit ? ` (${column.unit})` : ''}`)
          .join(', ')}`
      : inputs.kind === 'image'
        ? `an image (${inputs.formats.join(', ')}${inputs.size ? `, resized to ${inputs.size.join('×')}` : ''})`
        : `a ${inputs.spatial_dims}D volume (${inputs.formats.join(', ')})`;
  const gives =
    outputs.kind === 'probabilities'
      ? `probabilities of ${outputs.classes.map(value => className(value, outputs.names)).join(', ')}`
      : `a mask of ${Object.values(outputs.classes).join(', ')}`;
  return (
    <p className="mass-Signature">
      Takes {takes}; gives {gives}.
    </p>
  );
}

/** The live deployments of the version, each with its Test button. */
function VersionDeployments({
  model,
  version,
  commands
}: {
  model: ModelsPanelModel;
  version: IVersion;
  commands: CommandRegistry;
}): JSX.Element | null {
  const live = model.liveDeployments(version.number);
  if (live.length === 0) {
    return null;
  }
  return (
    <div className="mass-VersionDeployments">
      {live.map(deployment => (
        <span key={deployment.id} className="mass-VersionDeployment" data-deployment-id={deployment.id}>
          Deployment {deployment.id} · {deployment.status}
          <button
            className="jp-mod-styled jp-mod-accept mass-TestButton"
            disabled={deployment.status !== 'running' && deployment.status !== 'starting'}
            onClick={() => void commands.execute(CommandIDs.testDeployment, { deploymentId: deployment.id })}
          >
            Test
          </button>
        </span>
      ))}
    </div>
  );
}

/** One model version: actions, key metrics, lineage, signature, export report, model card and files. */
export function VersionView(props: {
  version: IVersion;
  model: ModelsPanelModel;
  commands: CommandRegistry;
  rendermime: IRenderMimeRegistry | null;
}): JSX.Element {
  const { version, model, commands, rendermime } = props;
  const [busy, run] = useActions();
  const report = model.exportReport(version.number) ?? version.export ?? undefined;
  const metrics = keyMetrics(version.metrics);
  return (
    <div className="mass-VersionView" data-version={version.number}>
      <header className="mass-VersionView-header">
        <h2 className="mass-VersionView-title">
          {version.model} <span className="mass-VersionTag">v{version.number}</span>
          <AliasChips version={version} model={model} disabled={busy !== null} />
          {version.deleted_at && (
            <span className="mass-StatusBadge" data-status="deleted" title={`Deleted ${version.deleted_at}`}>
              Deleted
            </span>
          )}
        </h2>
        <VersionActions version={version} model={model} report={report} busy={busy} run={run} />
        <VersionDeployments model={model} version={version} commands={commands} />
      </header>
      {metrics.length > 0 && (
        <div className="mass-Tiles">
          {metrics.map(([name, value]) => (
            <Tile key={name} label={name} value={formatMetric(value)} />
          ))}
        </div>
      )}
      <SignatureSummary signature={version.signature} />
      {version.signature.inputs.kind === 'table' && (
        <details className="mass-SignatureColumns">
          <summary>Input ranges in the training data</summary>
          <ul>
            {version.signature.inputs.columns.map(column => (
              <li key={column.name}>
                <strong>{column.name}</strong> {columnRange(column)}
              </li>
            ))}
          </ul>
        </details>
      )}
      {report && <ExportReport report={report} />}
      <section className="mass-RunSection">
        <h2 className="mass-RunSection-title">
          Lineage
          <button
            className="jp-mod-styled mass-TraceButton"
            title="The whole chain: source studies, dataset, frozen version, run, this version, its predictions"
            onClick={() => void commands.execute(CommandIDs.openTrace, { model: version.model, version: version.number })}
          >
            Trace
          </button>
        </h2>
        <Lineage version={version} commands={commands} />
      </section>
      <section className="mass-RunSection">
        <h2 className="mass-RunSection-title">
          Model card<span className="mass-RunSection-note">docs/README.md of the bundle</span>
        </h2>
        <Markdown source={version.card} rendermime={rendermime} className="mass-ModelCard" />
      </section>
      <section className="mass-RunSection">
        <h2 className="mass-RunSection-title">Files</h2>
        <ul className="mass-Artifacts">
          {version.artifacts.map(path => (
            <li key={path}>
              <code>{path}</code>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
