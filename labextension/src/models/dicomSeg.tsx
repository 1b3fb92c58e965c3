/** The Test page's "Write DICOM SEG" for a mask predicted from an uploaded DICOM series, and the SEG written. */
import React from 'react';

import { DicomResultView } from '../pacs/dicomResult';
import { useSignal } from '../shared/hooks';
import { canWriteSeg, DicomSegModel } from './dicomSegModel';
import { IDeployment, IPredictAnswer } from './types';

/** "Write DICOM SEG" under the mask of an uploaded series, then the SEG as the PACS panel shows one. */
export function WriteSeg(props: {
  seg: DicomSegModel;
  deployment: IDeployment;
  answer: IPredictAnswer | null;
  /** The file the answer was predicted from. */
  file: File | null;
}): JSX.Element | null {
  const { seg, deployment, answer, file } = props;
  useSignal(seg.changed);
  if (!answer || !file || !canWriteSeg(deployment, answer, file)) {
    return null;
  }
  const mine = seg.predictionId === answer.prediction_id;
  const busy = mine && seg.busy;
  return (
    <div className="mass-WriteSeg">
      {!(mine && seg.result) && (
        <div className="mass-WriteSeg-row">
          <button
            className="jp-mod-styled jp-mod-accept mass-WriteSegButton"
            disabled={busy}
            onClick={() => void seg.write(deployment, answer, file)}
          >
            {busy ? 'Writing DICOM SEG…' : 'Write DICOM SEG'}
          </button>
          <span className="mass-Field-hint">
            The mask as a DICOM segmentation on the series of {file.name}, to download or send to a PACS
          </span>
        </div>
      )}
      {mine && seg.error && (
        <div className="mass-Message mass-mod-error" role="alert">
          {seg.error}
        </div>
      )}
      {mine && seg.result && <DicomResultView result={seg.result} nodes={seg.nodes} />}
    </div>
  );
}
