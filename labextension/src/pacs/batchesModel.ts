/** The PACS panel's batches: predictions over a worklist of PACS series, polled while any runs. */
import { errorMessage } from '../api';
import { PolledModel } from '../shared/polledModel';
import * as client from './client';
import { IBatch, INewBatch } from './client';
import { PredictionModel } from './predictionModel';

/** How often the batches are fetched while one runs. */
const POLL_MS = 1000;

/** What a worklist is made of: the chosen series of the study shown, or every image series of the studies found. */
export type WorklistKind = 'chosen' | 'studies';

/** A worklist to start: the request, what the batch is called, and what each of its series is called. */
export interface IWorklist {
  request: INewBatch;
  label: string;
  seriesLabels: Map<string, string>;
}

/**
 * The batches of the project's running deployments (those this server
 * started, newest first), the form that starts one (its worklist kind, its
 * deployment and where each result is sent), and what series and batches are
 * called in this panel. It fetches the batches when the deployments change,
 * and polls while any runs.
 */
export class BatchesModel extends PolledModel {
  constructor(private readonly _predictions: PredictionModel) {
    super({ name: `mass-ide:batches-${_predictions.projectId}`, interval: POLL_MS, auto: false });
    _predictions.changed.connect(this._onDeployments, this);
  }

  /** The batches, newest deployment first, each deployment's newest batch first. */
  get batches(): readonly IBatch[] {
    return this._batches;
  }

  /** Whether any batch is running. */
  get active(): boolean {
    return this._batches.some(batch => batch.state === 'running');
  }

  /** Why starting or cancelling failed (or the list could not be fetched), or null. */
  get error(): string | null {
    return this._message ?? super.error;
  }

  /** Which worklist the form is open for, or null when closed. */
  get form(): WorklistKind | null {
    return this._form;
  }

  /** Whether a batch is being started (its series listed, its request sent). */
  get starting(): boolean {
    return this._starting;
  }

  /** The deployment chosen to predict (the newest running one unless another was chosen). */
  get deploymentId(): number | null {
    const deployments = this._predictions.deployments;
    return (deployments.find(found => found.id === this._deploymentId) ?? deployments[0])?.id ?? null;
  }

  /** The node each result is stored on at once, or null: kept in the server's memory for an hour. */
  get sendTo(): string | null {
    return this._sendTo;
  }

  /** What a batch started here is called, or undefined. */
  label(batchId: string): string | undefined {
    return this._labels.get(batchId);
  }

  /** What a series is called in this panel ("#2 CT ABDOMEN VENOUS"), or undefined when it was not listed here. */
  seriesLabel(seriesUid: string): string | undefined {
    return this._seriesLabels.get(seriesUid);
  }

  /** Open the form for a worklist (closing it when open for that one already); the last error is forgotten. */
  toggleForm(kind: WorklistKind): void {
    this._form = this._form === kind ? null : kind;
    this._message = null;
    this.emitChanged();
  }

  closeForm(): void {
    this._form = null;
    this.emitChanged();
  }

  chooseDeployment(deploymentId: number): void {
    this._deploymentId = deploymentId;
    this.emitChanged();
  }

  chooseSendTo(node: string | null): void {
    this._sendTo = node;
    this.emitChanged();
  }

  /** Start a batch with the chosen deployment once `worklist` answers it; the form closes when it started. */
  async start(worklist: () => Promise<IWorklist>): Promise<void> {
    const deploymentId = this.deploymentId;
    if (deploymentId === null || this._starting) {
      return;
    }
    this._starting = true;
    this._message = null;
    this.emitChanged();
    try {
      const { request, label, seriesLabels } = await worklist();
      const started = await client.startBatch(deploymentId, request);
      seriesLabels.forEach((name, uid) => this._seriesLabels.set(uid, name));
      this._labels.set(started.id, label);
      this._batches = [started, ...this._batches.filter(batch => batch.id !== started.id)];
      this._form = null;
      this._follow();
    } catch (error) {
      this._message = errorMessage(error);
    } finally {
      this._starting = false;
      this.emitChanged();
    }
  }

  /** Cancel a batch: it stops after the series being predicted, and the rest are marked cancelled. */
  async cancel(batchId: string): Promise<void> {
    this._message = null;
    try {
      const cancelled = await client.cancelBatch(batchId);
      this._batches = this._batches.map(batch => (batch.id === cancelled.id ? cancelled : batch));
    } catch (error) {
      this._message = errorMessage(error);
    }
    this.emitChanged();
    void this.poll.refresh();
  }

  /** Fetch the batches of every running deployment of the project; poll while any runs. */
  protected async fetch(): Promise<void> {
    const ids = this._predictions.deployments.map(deployment => deployment.id);
    const lists = await Promise.all(ids.map(id => client.listBatches(id)));
    this._batches = lists.flat();
    this._follow();
  }

  /** Fetch again when the project's running deployments change. */
  private _onDeployments(): void {
    const key = this._predictions.deployments.map(deployment => deployment.id).join(',');
    if (key !== this._deploymentsKey) {
      this._deploymentsKey = key;
      void this.refresh();
    }
  }

  /** Poll while a batch runs. */
  private _follow(): void {
    if (this.active) {
      void this.poll.start();
    } else {
      void this.poll.stop();
    }
  }

  private _batches: IBatch[] = [];
  private _deploymentId: number | null = null;
  private _deploymentsKey = '';
  private _form: WorklistKind | null = null;
  private _labels = new Map<string, string>();
  private _message: string | null = null;
  private _sendTo: string | null = null;
  private _seriesLabels = new Map<string, string>();
  private _starting = false;
}
