import { PolledModel } from '../shared/polledModel';
import { freezeVersion, getDataset, listItems, listVersions } from './client';
import { IDataset, IVersion } from './types';

/** How often the labelling progress refreshes while the page is visible. */
const REFRESH_INTERVAL_MS = 15_000;

/**
 * One dataset as its view shows it: the dataset, how many of its items are
 * labelled, and its frozen versions. A poll (see `PolledModel`) keeps the
 * labelling progress fresh while annotators work; `changed` fires after
 * every answer.
 */
export class DatasetModel extends PolledModel {
  constructor(readonly datasetId: number) {
    super({ name: `mass-ide:dataset-${datasetId}`, interval: REFRESH_INTERVAL_MS });
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

  /** Bumped whenever the labels may have changed, so that item pages reload. */
  get generation(): number {
    return this._generation;
  }

  /** Freeze the dataset and its labels; throws an `APIError` with the server's message. */
  async freeze(): Promise<IVersion> {
    const version = await freezeVersion(this.datasetId);
    await this.refresh();
    return version;
  }

  protected async fetch(): Promise<void> {
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
  }

  private _dataset: IDataset | null = null;
  private _generation = 0;
  private _labelled = 0;
  private _versions: IVersion[] = [];
}
