/** Clinical inference from the PACS panel: a running deployment predicts on a PACS series, answered as DICOM. */
import { ISignal, Signal } from '@lumino/signaling';

import { APIError, errorMessage } from '../api';
import { listDeployments } from '../models/client';
import { IDeployment } from '../models/types';
import * as client from './client';
import { IDicomAnswer, IPacsSeries } from './client';
import { DicomResultModel } from './dicomResultModel';
import type { IAsk } from './panelModel';

/** Nothing asked yet. */
function idle<T>(): IAsk<T> {
  return { busy: false, value: null, error: null };
}

/** The series a prediction is made on, and where it lives. */
export interface IPredictionTarget {
  node: string;
  studyUid: string;
  series: IPacsSeries;
}

/** Why a prediction failed, in words for the panel: the server's message, led by what went wrong. */
export function predictionError(error: unknown): string {
  const message = errorMessage(error);
  if (error instanceof APIError) {
    if (error.status === 409) {
      return `The deployment is not running: ${message}`;
    }
    if (error.status === 502) {
      return `The PACS did not answer as expected: ${message}`;
    }
    if (error.status === 404) {
      return `Not found: ${message}`;
    }
  }
  return message;
}

/** What each class is called, from the deployment's signature (a classifier's). */
function classNames(deployment: IDeployment): Record<string, string> | undefined {
  const outputs = deployment.signature.outputs;
  return outputs.kind === 'probabilities' ? outputs.names : undefined;
}

/**
 * The PACS panel's predictions: the project's running deployments that take
 * images, the series a prediction is asked for, and its answer (a DICOM SEG
 * or SR held in server memory, to send to a PACS). An answer to a series no
 * longer chosen is dropped.
 */
export class PredictionModel {
  constructor(readonly projectId: string) {
    void this.loadDeployments();
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The running deployments of the project whose model takes images or volumes, newest first. */
  get deployments(): IDeployment[] {
    return this._deployments;
  }

  /** Why the deployments could not be listed, or null. */
  get deploymentsError(): string | null {
    return this._deploymentsError;
  }

  /** The series the prediction form is open for, or null. */
  get target(): IPredictionTarget | null {
    return this._target;
  }

  /** The deployment chosen to predict (the newest running one unless another was chosen). */
  get deploymentId(): number | null {
    const chosen = this._deployments.find(found => found.id === this._deploymentId);
    return (chosen ?? this._deployments[0])?.id ?? null;
  }

  /** The prediction on the target series. */
  get answer(): IAsk<IDicomAnswer> {
    return this._answer;
  }

  /** The answer's DICOM result, to send to a PACS (sent by default to the node the series came from). */
  get result(): DicomResultModel | null {
    return this._result;
  }

  /** Whether the prediction form is open for a series. */
  isOpen(node: string | null, seriesUid: string): boolean {
    return this._target !== null && this._target.node === node && this._target.series.series_uid === seriesUid;
  }

  /** List the project's running deployments that can predict on images (a table model cannot). */
  async loadDeployments(): Promise<void> {
    try {
      const found = await listDeployments(this.projectId);
      this._deployments = found.filter(
        deployment => deployment.status === 'running' && deployment.signature.inputs.kind !== 'table'
      );
      this._deploymentsError = null;
    } catch (error) {
      this._deploymentsError = errorMessage(error);
    }
    this._emit();
  }

  /** Open the prediction form for a series (closing it when it is open for that series already). */
  toggle(target: IPredictionTarget): void {
    if (this.isOpen(target.node, target.series.series_uid)) {
      this.close();
      return;
    }
    this._target = target;
    this._reset();
    this._emit();
    void this.loadDeployments();
  }

  /** Close the prediction form; an answer still under way is dropped. */
  close(): void {
    if (this._target === null) {
      return;
    }
    this._target = null;
    this._reset();
    this._emit();
  }

  chooseDeployment(deploymentId: number): void {
    this._deploymentId = deploymentId;
    this._emit();
  }

  /** Predict on the target series with the chosen deployment (the server fetches the series first: seconds). */
  async predict(): Promise<void> {
    const target = this._target;
    const deployment = this._deployments.find(found => found.id === this.deploymentId);
    if (!target || !deployment) {
      return;
    }
    const request = ++this._requests;
    this._answer = { busy: true, value: null, error: null };
    this._setResult(null);
    this._emit();
    let answer: IAsk<IDicomAnswer>;
    try {
      const value = await client.predictSeries(deployment.id, {
        node: target.node,
        study_uid: target.studyUid,
        series_uid: target.series.series_uid
      });
      answer = { busy: false, value, error: null };
    } catch (error) {
      answer = { busy: false, value: null, error: predictionError(error) };
      if (error instanceof APIError && error.status === 409) {
        void this.loadDeployments(); // it stopped: offer only those still running
      }
    }
    if (request === this._requests) {
      this._answer = answer;
      const value = answer.value;
      this._setResult(
        value &&
          new DicomResultModel(
            {
              deploymentId: deployment.id,
              predictionId: value.prediction_id,
              model: value.model,
              version: value.version,
              result: value.result,
              predictions: value.predictions,
              names: classNames(deployment),
              origin: target.node
            },
            target.node
          )
      );
      this._emit();
    }
  }

  dispose(): void {
    this._setResult(null);
    Signal.clearData(this);
  }

  /** Forget the answer and its result (a new series or a closed form). */
  private _reset(): void {
    this._requests++;
    this._answer = idle();
    this._setResult(null);
  }

  /** Replace the DICOM result shown (the one before is let go). */
  private _setResult(result: DicomResultModel | null): void {
    this._result?.dispose();
    this._result = result;
  }

  private _emit(): void {
    this._changed.emit();
  }

  private _answer: IAsk<IDicomAnswer> = idle();
  private _changed = new Signal<this, void>(this);
  private _deploymentId: number | null = null;
  private _deployments: IDeployment[] = [];
  private _deploymentsError: string | null = null;
  private _requests = 0;
  private _result: DicomResultModel | null = null;
  private _target: IPredictionTarget | null = null;
}
