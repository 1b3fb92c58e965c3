/** The Test page's DICOM SEG: a mask predicted from an uploaded zip of a DICOM series, written on that series. */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { APIError, errorMessage } from '../api';
import { IPacsNode, listNodes, writeUploadResult } from '../pacs/client';
import { DicomResultModel } from '../pacs/dicomResultModel';
import { IDeployment, IMaskPrediction, IPredictAnswer, isClassPrediction } from './types';

/** Whether a DICOM SEG can be written for the answer: a volume's mask predicted from a zip (of a DICOM series). */
export function canWriteSeg(deployment: IDeployment, answer: IPredictAnswer | null, file: File | null): boolean {
  const [prediction] = answer?.predictions ?? [];
  return (
    deployment.signature.inputs.kind === 'volume' &&
    deployment.signature.outputs.kind === 'mask' &&
    !!answer?.prediction_id &&
    prediction !== undefined &&
    !isClassPrediction(prediction) &&
    !!prediction.affine &&
    !!file?.name.toLowerCase().endsWith('.zip')
  );
}

/** Why the SEG could not be written, in words for the page (a 400: the upload is not the series of the mask). */
function writeError(error: unknown): string {
  const what = error instanceof APIError && error.status === 400 ? ' for this upload' : '';
  return `The DICOM SEG could not be written${what}: ${errorMessage(error).replace(/\.$/, '')}.`;
}

/**
 * The DICOM SEG written for one prediction of the Test page (the zip it was
 * predicted from is sent again, and the SEG is built on that series), and
 * the PACS nodes it can be sent to. Writing for another prediction forgets
 * the SEG before.
 */
export class DicomSegModel implements IDisposable {
  constructor(readonly deploymentId: number) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** The prediction the SEG is (being) written for, or null. */
  get predictionId(): string | null {
    return this._predictionId;
  }

  /** Whether the SEG is being written. */
  get busy(): boolean {
    return this._busy;
  }

  /** Why the SEG could not be written, or null. */
  get error(): string | null {
    return this._error;
  }

  /** The SEG written, to download or send, or null. */
  get result(): DicomResultModel | null {
    return this._result;
  }

  /** The configured PACS nodes (empty when none is, or they could not be listed). */
  get nodes(): IPacsNode[] {
    return this._nodes;
  }

  /** Write the SEG of `answer`'s mask on the series in `zip` (the file it was predicted from). */
  async write(deployment: IDeployment, answer: IPredictAnswer, zip: File): Promise<void> {
    const predictionId = answer.prediction_id;
    if (!predictionId || this._busy) {
      return;
    }
    this._forget();
    this._predictionId = predictionId;
    this._busy = true;
    this._emit();
    try {
      const [result, nodes] = await Promise.all([
        writeUploadResult(this.deploymentId, predictionId, zip).done,
        listNodes().catch(() => [])
      ]);
      const mask = answer.predictions.filter((found): found is IMaskPrediction => !isClassPrediction(found));
      this._nodes = nodes;
      this._result = new DicomResultModel(
        {
          deploymentId: this.deploymentId,
          predictionId,
          model: deployment.model,
          version: deployment.version,
          result,
          predictions: mask,
          origin: null
        },
        nodes[0]?.name ?? null
      );
    } catch (error) {
      this._error = writeError(error);
    } finally {
      this._busy = false;
      this._emit();
    }
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._forget();
    Signal.clearData(this);
  }

  /** Let the SEG before and its error go. */
  private _forget(): void {
    this._result?.dispose();
    this._result = null;
    this._error = null;
  }

  private _emit(): void {
    if (!this._disposed) {
      this._changed.emit();
    }
  }

  private _busy = false;
  private _changed = new Signal<this, void>(this);
  private _disposed = false;
  private _error: string | null = null;
  private _nodes: IPacsNode[] = [];
  private _predictionId: string | null = null;
  private _result: DicomResultModel | null = null;
}
