import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { errorMessage } from '../api';
import { freezeVersion, getDataset, listItems, listVersions } from './client';
import { IDataset, IVersion } from './types';

/** How often the labelling progress refreshes while the page is visible. */
const REFRESH_INTERVAL_MS = 15_000;

/**
 * One dataset as its view shows it: the dataset, how many of its items are
 * labelled, and its frozen versions. A poll keeps the labelling progress
 * fresh while annotators work (backing off while the server fails, standing
 * by while the page is hidden); `changed` fires after every answer.
 */
export class DatasetModel implements IDisposable {
  constructor(readonly datasetId: number) {
    this._poll = new Poll({
      factory: () => this._fetch(),
      frequency: { interval: REFRESH_INTERVAL_MS, backoff: true, max: 8 * REFRESH_INTERVAL_MS },
      name: `mass-ide:dataset-${datasetId}`,
      standby: 'when-hidden'
    });
  }

  /** Emitted whenever the dataset, its progress, its versions or the error change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The dataset, once loaded. */
  get dataset(): IDataset | null {
    return this._dataset;
  }

  /** How many items carry a label or a mask. */
  get labelled(): number {
    return this._labelled;
  }

  /** The frozen versions, newest first. */
  get versions(): readonly IVersion[] {
    return this._versions;
  }

  /** The last error talking to the server, or null. */
  get error(): string | null {
    return this._error;
  }

  /** Bumped whenever the labels may have changed, so that item pages reload. */
  get generation(): number {
    return this._generation;
  }

  get isDisposed(): boolean {
    return this._poll.isDisposed;
  }

  /** Fetch everything now; an error is kept in `error`, not thrown. */
  async refresh(): Promise<void> {
    try {
      await this._fetch();
    } catch {
      // Recorded in `error`, which the view shows.
    }
  }

  /** Freeze the dataset and its labels; throws an `APIError` with the server's message. */
  async freeze(): Promise<IVersion> {
    const version = await freezeVersion(this.datasetId);
    await this.refresh();
    return version;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._poll.dispose();
    Signal.clearData(this);
  }

  private async _fetch(): Promise<void> {
    try {
      const [dataset, page, versions] = await Promise.all([
        getDataset(this.datasetId),
        listItems(this.datasetId, { offset: 0, limit: 1 }),
        listVersions(this.datasetId)
      ]);
      if (page.labelled !== this._labelled || dataset.item_count !== this._dataset?.item_count) {
        this._generation += 1;
      }
      this._dataset = dataset;
      this._labelled = page.labelled;
      this._versions = versions;
      this._error = null;
    } catch (error) {
      this._error = errorMessage(error);
      throw error;
    } finally {
      if (!this.isDisposed) {
        this._changed.emit();
      }
    }
  }

  private _changed = new Signal<this, void>(this);
  private _dataset: IDataset | null = null;
  private _error: string | null = null;
  private _generation = 0;
  private _labelled = 0;
  private _poll: Poll;
  private _versions: IVersion[] = [];
}
