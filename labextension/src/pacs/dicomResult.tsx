/**
 * A prediction answered as DICOM, as a clinician reads it: an AI segmentation (SEG) with volumes in mL, or an AI
 * finding per image (SR) with its probability; "Send to PACS" with a node chooser, and "Download DICOM". Shown
 * under a PACS series (the PACS panel) and under an uploaded series (the Test page).
 */
import { downloadIcon } from '@jupyterlab/ui-components';
import React from 'react';

import { className, formatML, formatScore, formatShare, UNCERTAINTY_HINT } from '../format';
import { IClassPrediction, IMaskPrediction, isClassPrediction } from '../models/types';
import { useSignal } from '../shared/hooks';
import { Tile } from '../shared/report';
import { IDicomSent, IPacsNode, resultURL } from './client';
import { DicomResultModel } from './dicomResultModel';

/** What the result says of where it stands: it refers to the real study, and Mass IDE does not keep it. */
export const RESULT_NOTE =
  'This result refers to the real study (its patient and study identifiers), so that a DICOM viewer shows it ' +
  'beside the images. Mass IDE keeps nothing of it beyond the audited prediction: the DICOM object waits in the ' +
  "server's memory for an hour, to be sent or downloaded, and is then gone.";

/** How a result is stored: "STOW-RS" (DICOMweb) or "C-STORE" (DIMSE). */
export function protocolName(protocol: IDicomSent['protocol']): string {
  return protocol === 'dicomweb' ? 'STOW-RS' : 'C-STORE';
}

/** The options of a node chooser, one per configured node: "orthanc (DICOMweb)". */
export function NodeOptions({ nodes }: { nodes: IPacsNode[] }): JSX.Element {
  return (
    <>
      {nodes.map(node => (
        <option key={node.name} value={node.name}>
          {node.name} ({node.protocol === 'dicomweb' ? 'DICOMweb' : 'DIMSE'})
        </option>
      ))}
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

/** "Download DICOM": the result as a .dcm file. */
function DownloadLink({ result }: { result: DicomResultModel }): JSX.Element {
  const { deploymentId, predictionId, result: made } = result.source;
  return (
    <a
      className="jp-mod-styled mass-LinkButton mass-PacsDownload"
      href={resultURL(deploymentId, predictionId)}
      download={`mass-ide-${made.kind.toLowerCase()}.dcm`}
      title="The DICOM object as a .dcm file, to open in a DICOM viewer (it refers to the real study)"
    >
      <downloadIcon.react tag="span" className="mass-ButtonIcon" />
      Download DICOM
    </a>
  );
}

/** Where the series came from and how a node is sent the result. */
function sendHint(origin: string | null): string {
  const how = 'a DIMSE node is sent the object by C-STORE, a DICOMweb node by STOW-RS.';
  return origin ? `The series came from ${origin}; ${how}` : `The series was uploaded on this page; ${how}`;
}

/** "Send to PACS" with its node chooser (the series' node first), and "Download DICOM". */
function ResultActions({ result, nodes }: { result: DicomResultModel; nodes: IPacsNode[] }): JSX.Element {
  const { busy, value: sent, error } = result.sent;
  if (nodes.length === 0) {
    return (
      <div className="mass-PacsResult-actions">
        <div className="mass-PacsPredict-row">
          <DownloadLink result={result} />
        </div>
        <div className="mass-Field-hint">
          No PACS is configured on this server to send it to: add the hospital's nodes to the setting{' '}
          <code>c.MassIDEApp.pacs_nodes</code> and restart the server.
        </div>
      </div>
    );
  }
  return (
    <div className="mass-PacsResult-actions">
      <div className="mass-PacsPredict-row">
        <label className="mass-Field mass-PacsPredict-field">
          <span className="mass-Field-label">Send to node</span>
          <select
            className="jp-mod-styled mass-Field-input"
            value={result.sendNode ?? ''}
            disabled={busy}
            onChange={event => result.chooseSendNode(event.target.value)}
          >
            <NodeOptions nodes={nodes} />
          </select>
        </label>
        <button
          className="jp-mod-styled jp-mod-accept"
          disabled={busy || !result.sendNode}
          onClick={() => void result.send()}
        >
          {busy ? 'Sending…' : 'Send to PACS'}
        </button>
        <DownloadLink result={result} />
      </div>
      <div className="mass-Field-hint">{sendHint(result.source.origin)}</div>
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
export function DicomResultView({ result, nodes }: { result: DicomResultModel; nodes: IPacsNode[] }): JSX.Element {
  useSignal(result.changed);
  const { result: made, predictions, names, model, version } = result.source;
  const findings = predictions.filter(isClassPrediction);
  const [mask] = predictions.filter((prediction): prediction is IMaskPrediction => !isClassPrediction(prediction));
  const title = made.kind === 'SEG' ? 'AI segmentation (DICOM SEG)' : 'AI finding (DICOM SR)';
  return (
    <div className="mass-PacsResult mass-DicomResult" data-kind={made.kind}>
      <h3 className="mass-PacsResult-title">{title}</h3>
      <div className="mass-Field-hint">
        {model} version {version}
        {made.series_description ? ` · series “${made.series_description}”` : ''}
      </div>
      {made.kind === 'SR' && <Findings predictions={findings} names={names} />}
      {made.kind === 'SEG' && mask && <Segments prediction={mask} segments={made.segments ?? []} />}
      <p className="mass-Hint mass-PacsResult-uncertainty">{UNCERTAINTY_HINT}</p>
      <p className="mass-PacsResult-note">{RESULT_NOTE}</p>
      <ResultActions result={result} nodes={nodes} />
    </div>
  );
}
