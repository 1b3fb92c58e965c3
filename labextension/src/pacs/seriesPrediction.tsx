/**
 * Clinical inference in the PACS panel: "Predict…" on an image series, the answer as a clinician reads it (an AI
 * segmentation with volumes in mL, or an AI finding per image with its probability), "Send to PACS" and
 * "Download DICOM".
 */
import { downloadIcon } from '@jupyterlab/ui-components';
import React from 'react';

import { className, formatML, formatScore, formatShare, UNCERTAINTY_HINT } from '../format';
import { IClassPrediction, IDeployment, IMaskPrediction, isClassPrediction } from '../models/types';
import { Tile } from '../shared/report';
import { IDicomAnswer, IDicomSent, IPacsNode, IPacsSeries, resultURL } from './client';
import { PacsPanelModel } from './panelModel';

/** What the result says of where it stands: it refers to the real study, and Mass IDE does not keep it. */
export const RESULT_NOTE =
  'This result refers to the real study (its patient and study identifiers), so that a DICOM viewer shows it ' +
  'beside the images. Mass IDE keeps nothing of it beyond the audited prediction: the DICOM object waits in the ' +
  "server's memory for an hour, to be sent or downloaded, and is then gone.";

/** How a result was stored: "STOW-RS" (DICOMweb) or "C-STORE" (DIMSE). */
function protocolName(protocol: IDicomSent['protocol']): string {
  return protocol === 'dicomweb' ? 'STOW-RS' : 'C-STORE';
}

/** "liver v3 · deployment 7": a deployment as the picker lists it. */
function deploymentName(deployment: IDeployment): string {
  return `${deployment.model} v${deployment.version} · deployment ${deployment.id}`;
}

/** What each class is called, from the deployment's signature (a classifier's). */
function classNames(deployment: IDeployment | null): Record<string, string> | undefined {
  const outputs = deployment?.signature.outputs;
  return outputs?.kind === 'probabilities' ? outputs.names : undefined;
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
        <label className="mass-Field mass-PacsPredict-field">
          <span className="mass-Field-label">Deployment</span>
          <select
            className="jp-mod-styled mass-Field-input"
            value={predictions.deploymentId ?? ''}
            disabled={busy}
            onChange={event => predictions.chooseDeployment(Number(event.target.value))}
          >
            {predictions.deployments.map((deployment, index) => (
              <option key={deployment.id} value={deployment.id}>
                {deploymentName(deployment)}
                {index === 0 ? ' (newest)' : ''}
              </option>
            ))}
          </select>
        </label>
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

/** A classifier's answer, one row per image of the series: the finding, its probability and uncertainty. */
function Findings(props: { predictions: IClassPrediction[]; names?: Record<string, string> }): JSX.Element {
  const { predictions, names } = props;
  return (
    <table className="mass-Table mass-PacsFindings">
      <thead>
        <tr>
          <th>Image</th>
          <th>Finding</th>
          <th title="The model's probability of the finding">Probability</th>
          <th title={UNCERTAINTY_HINT}>Uncertainty</th>
        </tr>
      </thead>
      <tbody>
        {predictions.map((prediction, index) => (
          <tr key={index} className="mass-PacsFinding" data-class={prediction.class}>
            <td>{index + 1}</td>
            <td className="mass-PacsFinding-class">{className(prediction.class, names)}</td>
            <td className="mass-mod-number">{formatShare(prediction.probabilities[prediction.class])}</td>
            <td className="mass-mod-number">{formatScore(prediction.uncertainty)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A segmentation's answer: each segment's volume in mL (and voxels), and the mask's uncertainty. */
function Segments({ prediction, segments }: { prediction: IMaskPrediction; segments: string[] }): JSX.Element {
  const labels = segments.length > 0 ? segments : Object.keys(prediction.voxels);
  return (
    <div className="mass-Tiles mass-PacsSegments">
      {labels.map(label => {
        const ml = prediction.volume_ml?.[label];
        const voxels = (prediction.voxels[label] ?? 0).toLocaleString();
        return (
          <Tile
            key={label}
            label={`${label} · ${voxels} voxels`}
            value={ml === undefined ? `${voxels} voxels` : formatML(ml)}
            note="Volume from the series' voxel spacing"
          />
        );
      })}
      <Tile
        label="Uncertainty (mean over voxels)"
        value={formatScore(prediction.uncertainty)}
        note={UNCERTAINTY_HINT}
      />
    </div>
  );
}

/** What "Send to PACS" got: stored, or what the PACS refused and why. */
function SentStatus({ sent }: { sent: IDicomSent }): JSX.Element {
  const protocol = protocolName(sent.protocol);
  if (sent.refused.length === 0 && sent.accepted > 0) {
    return (
      <div className="mass-PacsSent" data-ok="true" role="status">
        ✓ Stored on {sent.node} ({protocol})
      </div>
    );
  }
  return (
    <div className="mass-PacsSent" data-ok="false" role="alert">
      {sent.node} did not store it ({protocol}
      {sent.accepted > 0 ? `; ${sent.accepted} object(s) stored` : ''}):
      <ul className="mass-PacsSent-refused">
        {sent.refused.map((refused, index) => (
          <li key={index}>
            <span className="mass-mod-mono">{refused.sop_class}</span>: {refused.reason}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** "Send to PACS" with its node picker (the series' node first), and "Download DICOM". */
function ResultActions(props: { model: PacsPanelModel; answer: IDicomAnswer; nodes: IPacsNode[] }): JSX.Element {
  const { model, answer, nodes } = props;
  const predictions = model.predictions;
  const { busy, value: sent, error } = predictions.sent;
  const deploymentId = predictions.answeredBy?.id;
  return (
    <div className="mass-PacsResult-actions">
      <div className="mass-PacsPredict-row">
        <label className="mass-Field mass-PacsPredict-field">
          <span className="mass-Field-label">Send to node</span>
          <select
            className="jp-mod-styled mass-Field-input"
            value={predictions.sendNode ?? ''}
            disabled={busy}
            onChange={event => predictions.chooseSendNode(event.target.value)}
          >
            {nodes.map(node => (
              <option key={node.name} value={node.name}>
                {node.name} ({node.protocol === 'dicomweb' ? 'DICOMweb' : 'DIMSE'})
              </option>
            ))}
          </select>
        </label>
        <button
          className="jp-mod-styled jp-mod-accept"
          disabled={busy || !predictions.sendNode}
          onClick={() => void predictions.send()}
        >
          {busy ? 'Sending…' : 'Send to PACS'}
        </button>
        {deploymentId !== undefined && (
          <a
            className="jp-mod-styled mass-LinkButton mass-PacsDownload"
            href={resultURL(deploymentId, answer.prediction_id)}
            download={`mass-ide-${answer.result.kind.toLowerCase()}.dcm`}
            title="The DICOM object as a .dcm file, to open in a DICOM viewer (it refers to the real study)"
          >
            <downloadIcon.react tag="span" className="mass-ButtonIcon" />
            Download DICOM
          </a>
        )}
      </div>
      <div className="mass-Field-hint">
        The series came from {predictions.target?.node}; a DIMSE node is sent the object by C-STORE, a DICOMweb node by
        STOW-RS.
      </div>
      {sent && <SentStatus sent={sent} />}
      {error && (
        <div className="mass-Notice" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

/** The answer as DICOM: an AI segmentation (SEG) or AI findings (SR), what it refers to, and what to do with it. */
function AnswerView(props: { model: PacsPanelModel; answer: IDicomAnswer; nodes: IPacsNode[] }): JSX.Element {
  const { model, answer, nodes } = props;
  const { result } = answer;
  const found = answer.predictions;
  const findings = found.filter(isClassPrediction);
  const [mask] = found.filter((prediction): prediction is IMaskPrediction => !isClassPrediction(prediction));
  const title = result.kind === 'SEG' ? 'AI segmentation (DICOM SEG)' : 'AI finding (DICOM SR)';
  return (
    <div className="mass-PacsResult" data-kind={result.kind}>
      <h3 className="mass-PacsResult-title">{title}</h3>
      <div className="mass-Field-hint">
        {answer.model} version {answer.version}
        {result.series_description ? ` · series “${result.series_description}”` : ''}
      </div>
      {result.kind === 'SR' && <Findings predictions={findings} names={classNames(model.predictions.answeredBy)} />}
      {result.kind === 'SEG' && mask && <Segments prediction={mask} segments={result.segments ?? []} />}
      <p className="mass-Hint mass-PacsResult-uncertainty">{UNCERTAINTY_HINT}</p>
      <p className="mass-PacsResult-note">{RESULT_NOTE}</p>
      <ResultActions model={model} answer={answer} nodes={nodes} />
    </div>
  );
}

/** The prediction form under a series and, once answered, its result. */
export function SeriesPrediction({ model }: { model: PacsPanelModel }): JSX.Element {
  const answer = model.predictions.answer.value;
  return (
    <div className="mass-PacsPredict" aria-label="AI prediction on this series">
      <PredictForm model={model} />
      {answer && <AnswerView model={model} answer={answer} nodes={model.nodes.value ?? []} />}
    </div>
  );
}
