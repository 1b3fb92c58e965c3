import { errorMessage } from '../api';
import { PolledModel } from '../shared/polledModel';
import * as client from './client';
import { EvaluationItems, EvaluationReport, IDeployment, IPredictAnswer } from './types';

/** How often the deployment is fetched while it starts. */
const STARTING_INTERVAL_MS = 1_000;

/** How often otherwise (its request count and latency). */
const RUNNING_INTERVAL_MS = 5_000;

/** Long work the Test page does: a prediction or an evaluation. */
export type Work = 'predict' | 'evaluate';

/**
 * One deployment on its Test page: its status and counters (polled every
 * second while it starts, every five seconds after), the last prediction
 * and the last evaluation made here, and what is running now.
 */
export class DeploymentModel extends PolledModel {
  constructor(readonly deploymentId: number) {
    super({ name: `mass-ide:deployment-${deploymentId}`, interval: STARTING_INTERVAL_MS });
  }

  /** The deployment, or null until it is loaded. */
  get deployment(): IDeployment | null {
    return this._deployment;
  }

  /** The last prediction made here, or null. */
  get prediction(): IPredictAnswer | null {
    return this._prediction;
  }

  /** The file the last prediction was made from (null for lab values). */
  get predictedFile(): File | null {
    return this._predictedFile;
  }

  /** The last evaluation made here, or null. */
  get evaluation(): EvaluationReport | null {
    return this._evaluation;
  }

  /** The work under way, or null. */
  get working(): Work | null {
    return this._working;
  }

  /** Why the last prediction or evaluation failed, or null. */
  get workError(): { work: Work; message: string } | null {
    return this._workError;
  }

  /** Predict from one record of lab values, entered in `units`. */
  predictRecord(record: Record<string, number | null>, units: Record<string, string>): Promise<void> {
    return this._work('predict', async () => {
      this._prediction = await client.predictRecords(this.deploymentId, [record], units);
      this._predictedFile = null;
    });
  }

  /** Predict from an uploaded file. */
  predictFile(file: File): Promise<void> {
    return this._work('predict', async () => {
      this._prediction = await client.predictFile(this.deploymentId, file);
      this._predictedFile = file;
    });
  }

  /** Evaluate on a labelled dataset version (by default only the items the model never trained on). */
  evaluate(datasetId: number, version?: number, items: EvaluationItems = 'unseen'): Promise<void> {
    return this._work('evaluate', async () => {
      this._evaluation = await client.evaluate(this.deploymentId, datasetId, version, items);
    });
  }

  /** A poll tick: fetch the deployment; once it runs, slow down. */
  protected async fetch(): Promise<void> {
    const fetched = await client.getDeployment(this.deploymentId);
    this._deployment = fetched;
    const interval = fetched.status === 'starting' ? STARTING_INTERVAL_MS : RUNNING_INTERVAL_MS;
    if (this.poll.frequency.interval !== interval) {
      this.poll.frequency = { ...this.poll.frequency, interval, max: 10 * interval };
    }
  }

  /** Do one piece of long work, keeping its error for the page, then refresh the counters. */
  private async _work(work: Work, action: () => Promise<void>): Promise<void> {
    this._working = work;
    this._workError = null;
    this.emitChanged();
    try {
      await action();
    } catch (error) {
      this._workError = { work, message: errorMessage(error) };
    } finally {
      this._working = null;
      this.emitChanged();
      void this.poll.refresh();
    }
  }

  private _deployment: IDeployment | null = null;
  private _evaluation: EvaluationReport | null = null;
  private _predictedFile: File | null = null;
  private _prediction: IPredictAnswer | null = null;
  private _working: Work | null = null;
  private _workError: { work: Work; message: string } | null = null;
}
