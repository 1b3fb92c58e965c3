/**
 * Clinical inference in the PACS panel: "Predict…" on an image series, with a chooser of the project's running
 * deployments, and the answer as DICOM (the result view of `dicomResult.tsx`).
 */
import React from 'react';

import { IDeployment } from '../models/types';
import { IPacsSeries } from './client';
import { DicomResultView } from './dicomResult';
import { PacsPanelModel } from './panelModel';

/** "liver v3 · deployment 7": a deployment as the picker lists it. */
export function deploymentName(deployment: IDeployment): string {
  return `${deployment.model} v${deployment.version} · deployment ${deployment.id}`;
}

/** The chooser of a running deployment, newest first (marked so). */
export function DeploymentSelect(props: {
  deployments: IDeployment[];
  value: number | null;
  disabled: boolean;
  onChange: (deploymentId: number) => void;
}): JSX.Element {
  return (
    <label className="mass-Field mass-PacsPredict-field">
      <span className="mass-Field-label">Deployment</span>
      <select
        className="jp-mod-styled mass-Field-input"
        value={props.value ?? ''}
        disabled={props.disabled}
        onChange={event => props.onChange(Number(event.target.value))}
      >
        {props.deployments.map((deployment, index) => (
          <option key={deployment.id} value={deployment.id}>
            {deploymentName(deployment)}
            {index === 0 ? ' (newest)' : ''}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The "Predict…" button of an image series, shown when the project has a running deployment that takes images. */
export function PredictButton(props: {
  model: PacsPanelModel;
  studyUid: string;
  series: IPacsSeries;
}): JSX.Element | null {
  const { model, studyUid, series } = props;
  const predictions = model.predictions;
  const node = model.studiesNode;
  if (!series.images || !node || predictions.deployments.length === 0) {
    return null;
  }
  const open = predictions.isOpen(node, series.series_uid);
  const busy = open && predictions.answer.busy;
  return (
    <button
      className="jp-mod-styled mass-PacsPredict-open"
      aria-expanded={open}
      disabled={busy}
      title="Run a deployed model of this project on this series and answer as DICOM (SEG or SR)"
      onClick={() => predictions.toggle({ node, studyUid, series })}
    >
      {busy ? 'Predicting…' : 'Predict…'}
    </button>
  );
}

/** The deployment picker and "Run prediction", with its busy state and error. */
function PredictForm({ model }: { model: PacsPanelModel }): JSX.Element {
  const predictions = model.predictions;
  const { busy, error } = predictions.answer;
  const node = predictions.target?.node ?? '';
  return (
    <>
      <div className="mass-PacsPredict-row">
        <DeploymentSelect
          deployments={predictions.deployments}
          value={predictions.deploymentId}
          disabled={busy}
          onChange={deploymentId => predictions.chooseDeployment(deploymentId)}
        />
        <button
          className="jp-mod-styled jp-mod-accept"
          disabled={busy || predictions.deploymentId === null}
          onClick={() => void predictions.predict()}
        >
          {busy ? 'Predicting…' : 'Run prediction'}
        </button>
        <button className="jp-mod-styled" onClick={() => predictions.close()}>
          Close
        </button>
      </div>
      {busy && (
        <div className="mass-Busy mass-PacsPredict-busy" role="status">
          <span className="mass-Spinner" aria-hidden="true" />
          Fetching the series from {node} and running the model; this takes a few seconds…
        </div>
      )}
      {error && (
        <div className="mass-Notice mass-PacsPredict-error" role="alert">
          The prediction could not be made. {error}
        </div>
      )}
    </>
  );
}

/** The prediction form under a series and, once answered, its result. */
export function SeriesPrediction({ model }: { model: PacsPanelModel }): JSX.Element {
  const result = model.predictions.result;
  return (
    <div className="mass-PacsPredict" aria-label="AI prediction on this series">
      <PredictForm model={model} />
      {result && <DicomResultView result={result} nodes={model.nodes.value ?? []} />}
    </div>
  );
}
