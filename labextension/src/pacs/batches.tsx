/**
 * Batches in the PACS panel: "Predict on N series…" over the chosen series (or every image series of the studies
 * found) with a deployment and an optional node to send each result to, and the batches with their progress, each
 * series' state, its result (SEG or SR), what the PACS stored or why the series failed, and Cancel.
 */
import { downloadIcon } from '@jupyterlab/ui-components';
import React from 'react';

import { ProgressBar } from '../data/charts';
import { plural } from '../data/types';
import { IBatch, IBatchItem, IPacsNode, resultURL } from './client';
import { NodeOptions } from './dicomResult';
import { PacsPanelModel } from './panelModel';
import { sentence } from './retrievalList';
import { DeploymentSelect, deploymentName } from './seriesPrediction';

/** What each state of a batch or of one of its series is called. */
const STATE_TITLES: Record<IBatch['state'] | IBatchItem['state'], string> = {
  running: 'Running',
  waiting: 'Waiting',
  predicting: 'Predicting',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled'
};

/** A state badge. */
function State({ state }: { state: keyof typeof STATE_TITLES }): JSX.Element {
  return (
    <span className="mass-PacsState" data-state={state}>
      {STATE_TITLES[state]}
    </span>
  );
}

/** The chooser of where each result goes: a node, or nowhere (kept in the server for an hour). */
function SendToSelect({ model, nodes }: { model: PacsPanelModel; nodes: IPacsNode[] }): JSX.Element {
  const batches = model.batches;
  return (
    <label className="mass-Field mass-PacsPredict-field">
      <span className="mass-Field-label">Send each result to</span>
      <select
        className="jp-mod-styled mass-Field-input"
        value={batches.sendTo ?? ''}
        disabled={batches.starting}
        onChange={event => batches.chooseSendTo(event.target.value || null)}
      >
        <option value="">No node: keep each result to send or download</option>
        <NodeOptions nodes={nodes} />
      </select>
    </label>
  );
}

/** The form of a batch: its worklist in words, the deployment, where results go, and Start. */
function BatchForm({ model, what }: { model: PacsPanelModel; what: string }): JSX.Element {
  const batches = model.batches;
  const predictions = model.predictions;
  return (
    <div className="mass-PacsPredict mass-PacsBatchForm" aria-label="Predict on a worklist">
      <div className="mass-Field-hint">Worklist: {what}</div>
      <div className="mass-PacsPredict-row">
        <DeploymentSelect
          deployments={predictions.deployments}
          value={batches.deploymentId}
          disabled={batches.starting}
          onChange={deploymentId => batches.chooseDeployment(deploymentId)}
        />
        <SendToSelect model={model} nodes={model.nodes.value ?? []} />
        <button
          className="jp-mod-styled jp-mod-accept"
          disabled={batches.starting || batches.deploymentId === null}
          onClick={() => void model.startBatch()}
        >
          {batches.starting ? 'Starting…' : 'Start predicting'}
        </button>
        <button className="jp-mod-styled" onClick={() => batches.closeForm()}>
          Close
        </button>
      </div>
      <div className="mass-Field-hint">
        Each series is fetched from {model.studiesNode}, predicted and written as a DICOM SEG (a segmentation) or SR
        (findings), one after the other; a series that fails is said on its line and the next one is tried.
      </div>
    </div>
  );
}

/** "Predict on N series…" and "Predict on every image series of M studies…", and the form they open. */
export function BatchSection({ model }: { model: PacsPanelModel }): JSX.Element | null {
  const studies = model.studies.value ?? [];
  const batches = model.batches;
  if (studies.length === 0 || model.predictions.deployments.length === 0) {
    return null;
  }
  const chosen = model.expanded?.chosen.size ?? 0;
  const form = batches.form;
  const what =
    form === 'chosen'
      ? `the ${plural(chosen, 'series', 'series')} chosen above`
      : `every image series of the ${plural(studies.length, 'study', 'studies')} found`;
  return (
    <section className="mass-PacsBatch">
      <h2 className="mass-SubTitle">AI predictions over a worklist</h2>
      <div className="mass-PacsRetrieve-row">
        <button
          className="jp-mod-styled"
          aria-expanded={form === 'chosen'}
          disabled={chosen === 0}
          onClick={() => batches.toggleForm('chosen')}
        >
          Predict on {plural(chosen, 'series', 'series')}…
        </button>
        <button
          className="jp-mod-styled"
          aria-expanded={form === 'studies'}
          onClick={() => batches.toggleForm('studies')}
        >
          Predict on every image series of {plural(studies.length, 'study', 'studies')}…
        </button>
        {chosen === 0 && <span className="mass-Hint">Choose image series of a study above, or take them all.</span>}
      </div>
      {form && (form === 'studies' || chosen > 0) && <BatchForm model={model} what={what} />}
      {batches.error && (
        <div className="mass-Notice" role="alert">
          {batches.error}
        </div>
      )}
    </section>
  );
}

/** What came of one series: its result and what the PACS stored, or why it failed. */
function Outcome({ batch, item }: { batch: IBatch; item: IBatchItem }): JSX.Element | null {
  if (item.state === 'failed') {
    return <span className="mass-PacsBatchItem-message">{sentence(item.message ?? 'The prediction failed.')}</span>;
  }
  if (item.state !== 'done') {
    return null;
  }
  const stored = item.accepted ?? 0;
  const sent = !batch.send_to
    ? 'kept for an hour, to send or download'
    : stored > 0 && !item.message
      ? `✓ stored on ${batch.send_to}`
      : `${batch.send_to} did not store it${item.message ? `: ${item.message}` : ''}`;
  return (
    <>
      <span className="mass-PacsBatchItem-kind">{item.kind}</span>
      <span className="mass-PacsBatchItem-sent" data-ok={!batch.send_to || (stored > 0 && !item.message)}>
        {sent}
      </span>
      {item.prediction_id && (
        <a
          className="mass-TextButton mass-PacsBatchItem-download"
          href={resultURL(batch.deployment_id, item.prediction_id)}
          download={`mass-ide-${(item.kind ?? 'result').toLowerCase()}.dcm`}
          title="The DICOM object as a .dcm file, to open in a DICOM viewer (it refers to the real study)"
        >
          <downloadIcon.react tag="span" className="mass-ButtonIcon" />
          Download
        </a>
      )}
    </>
  );
}

/** One batch: what it runs, its progress (series done of total), Cancel, and a line per series. */
function BatchEntry({ model, batch }: { model: PacsPanelModel; batch: IBatch }): JSX.Element {
  const deployment = model.predictions.deployments.find(found => found.id === batch.deployment_id);
  const label = model.batches.label(batch.id) ?? `Worklist of ${plural(batch.total, 'series', 'series')}`;
  const by = deployment ? deploymentName(deployment) : `deployment ${batch.deployment_id}`;
  const route = batch.send_to ? `from ${batch.node}, results to ${batch.send_to}` : `from ${batch.node}`;
  return (
    <li className="mass-Import-entry mass-PacsBatchEntry" data-state={batch.state} data-batch-id={batch.id}>
      <div className="mass-Import-head">
        <span className="mass-Import-source" title={label}>
          {label}
        </span>
        <State state={batch.state} />
        <span className="mass-Import-size">
          {by} · {route}
        </span>
        <span className="mass-Import-spacer" />
        {batch.state === 'running' && (
          <button
            className="mass-TextButton"
            title="Stop after the series being predicted; the rest are not predicted"
            onClick={() => void model.batches.cancel(batch.id)}
          >
            Cancel
          </button>
        )}
      </div>
      <ProgressBar value={batch.done} max={batch.total} label={label} />
      <div className="mass-Import-status">
        {batch.done} of {plural(batch.total, 'series', 'series')} done
        {batch.failed > 0 ? ` · ${batch.failed} failed` : ''}
      </div>
      <ol className="mass-PacsBatchItems">
        {batch.items.map(item => (
          <li key={item.series_uid} className="mass-PacsBatchItem" data-state={item.state}>
            <span className="mass-PacsBatchItem-series" title={item.series_uid}>
              {model.batches.seriesLabel(item.series_uid) ?? `Series ${item.series_uid}`}
            </span>
            <State state={item.state} />
            <Outcome batch={batch} item={item} />
          </li>
        ))}
      </ol>
    </li>
  );
}

/** The batches of the project's running deployments; nothing while there are none. */
export function BatchList({ model }: { model: PacsPanelModel }): JSX.Element | null {
  const { batches } = model.batches;
  if (batches.length === 0) {
    return null;
  }
  return (
    <section className="mass-PacsBatches">
      <h2 className="mass-SubTitle">Batches</h2>
      <ul className="mass-Import-entries">
        {batches.map(batch => (
          <BatchEntry key={batch.id} model={model} batch={batch} />
        ))}
      </ul>
    </section>
  );
}
