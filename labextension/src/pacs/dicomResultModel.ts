/** A prediction's DICOM result (a SEG or an SR held in the server's memory) and its sending to a PACS node. */
import { ISignal, Signal } from '@lumino/signaling';

import { APIError, errorMessage } from '../api';
import { Prediction } from '../models/types';
import * as client from './client';
import { IDicomResult, IDicomSent } from './client';
import type { IAsk } from './panelModel';

/** What a DICOM result was written for, and by which model. */
export interface IDicomResultSource {
  deploymentId: number;
  predictionId: string;
  model: string;
  version: number;
  result: IDicomResult;
  /** The model's predictions the result holds (a mask, or one class per image). */
  predictions: Prediction[];
  /** What each class is called (a classifier's signature). */
  names?: Record<string, string>;
  /** The node the series came from; null for a series uploaded on the Test page. */
  origin: string | null;
}

/** Why sending a result failed, in words for the page. */
function sendError(error: unknown): string {
  if (error instanceof APIError && error.status === 502) {
    return `The PACS did not store it: ${errorMessage(error)}`;
  }
  return errorMessage(error);
}

/**
 * One DICOM result the server holds for an hour: what it is, the node to
 * send it to (the one chosen, else `defaultNode`) and the last sending.
 */
export class DicomResultModel {
  constructor(
    readonly source: IDicomResultSource,
    private readonly _defaultNode: string | null
  ) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The node the result is sent to: the one chosen, else the default (where the series came from). */
  get sendNode(): string | null {
    return this._sendNode ?? this._defaultNode;
  }

  /** The last sending of the result. */
  get sent(): IAsk<IDicomSent> {
    return this._sent;
  }

  chooseSendNode(node: string): void {
    this._sendNode = node;
    this._sent = { busy: false, value: null, error: null };
    this._changed.emit();
  }

  /** Store the result on the chosen node (STOW-RS or C-STORE). */
  async send(): Promise<void> {
    const node = this.sendNode;
    if (!node || this._sent.busy) {
      return;
    }
    const { deploymentId, predictionId } = this.source;
    this._sent = { busy: true, value: null, error: null };
    this._changed.emit();
    try {
      this._sent = { busy: false, value: await client.sendResult(deploymentId, predictionId, node), error: null };
    } catch (error) {
      this._sent = { busy: false, value: null, error: sendError(error) };
    }
    this._changed.emit();
  }

  dispose(): void {
    Signal.clearData(this);
  }

  private _changed = new Signal<this, void>(this);
  private _sendNode: string | null = null;
  private _sent: IAsk<IDicomSent> = { busy: false, value: null, error: null };
}
