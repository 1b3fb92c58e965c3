import { ISignal, Signal } from '@lumino/signaling';

import { APIError, errorMessage, requestAPI, Schemas } from '../api';
import { PolledModel } from '../shared/polledModel';
import { IAnnotation } from './api';

/** A pre-labelling job of a dataset (`GET/POST datasets/{id}/prelabel`). */
export type IPrelabelJob = Schemas['PrelabelJob'];

/** A dataset's pre-labelling (`GET datasets/{id}/prelabel`): its newest job and how many items have a suggestion. */
type IPrelabelStatus = Schemas['PrelabelStatus'];

/** The model's suggestion for one item (`GET items/{id}/suggestion`). */
export type ISuggestion = Schemas['Suggestion'];

/** How often a running job's progress is fetched. */
const POLL_MS = 1000;

/**
 * Pre-labelling a dataset with the project's latest model: the job's progress
 * (polled while it runs) and the suggestion for the item on show.
 */
export class PrelabelModel extends PolledModel {
  constructor(readonly datasetId: number) {
    super({ name: 'mass-ide:prelabel', interval: POLL_MS, auto: false });
  }

  /** Emitted once when a job finishes, so item lists can be ordered by the new uncertainties. */
  get finished(): ISignal<this, IPrelabelJob> {
    return this._finished;
  }

  get job(): IPrelabelJob | null {
    return this._job;
  }

  get running(): boolean {
    return this._job?.status === 'queued' || this._job?.status === 'running';
  }

  /** Why pre-labelling cannot start or failed (or the job could not be fetched), or null. */
  get error(): string | null {
    if (this._message) {
      return this._message;
    }
    return this._job?.status === 'failed' ? `Pre-labelling failed: ${lastLine(this._job.error ?? null)}` : super.error;
  }

  /** The suggestion for the item on show, or null when there is none. */
  get suggestion(): ISuggestion | null {
    return this._suggestion;
  }

  /** Fetch the dataset's latest job; keep polling while it runs. */
  async load(): Promise<void> {
    try {
      await this.fetch();
    } catch (error) {
      this.setError(error);
      return;
    }
    this.emitChanged();
  }

  /** Start pre-labelling the dataset's unlabelled items. */
  async start(): Promise<void> {
    this._message = null;
    try {
      this._job = await requestAPI<IPrelabelJob>(`datasets/${this.datasetId}/prelabel`, { method: 'POST' });
      this._watch();
    } catch (error) {
      this._message = errorMessage(error);
    }
    this.emitChanged();
  }

  /** Fetch the suggestion for an item (none: null; not asked while the dataset has no suggestions at all). */
  async showItem(itemId: number | null): Promise<void> {
    const request = ++this._requests;
    let found: ISuggestion | null = null;
    if (itemId !== null && (this._suggestions > 0 || this.running)) {
      try {
        found = await requestAPI<ISuggestion>(`items/${itemId}/suggestion`);
      } catch (error) {
        if (!(error instanceof APIError && error.status === 404)) {
          this._message = errorMessage(error);
        }
      }
    }
    if (request === this._requests) {
      this._suggestion = found;
      this.emitChanged();
    }
  }

  /** Show why something went wrong (an accept refused by the server, say). */
  report(message: string): void {
    this._message = message;
    this.emitChanged();
  }

  /** Make the suggestion the item's label or mask, starting from `version`; 409 when someone saved since. */
  accept(itemId: number, version: number): Promise<IAnnotation> {
    return requestAPI<IAnnotation>(`items/${itemId}/suggestion/accept`, {
      method: 'POST',
      body: JSON.stringify({ version })
    });
  }

  private _watch(): void {
    if (this.running) {
      void this.poll.start();
    }
  }

  /** Fetch the dataset's latest job and how many items have a suggestion; stop polling when it has ended. */
  protected async fetch(): Promise<void> {
    const wasRunning = this.running;
    const status = await requestAPI<IPrelabelStatus>(`datasets/${this.datasetId}/prelabel`);
    this._job = status.job;
    this._suggestions = status.suggestions;
    if (!this.running) {
      void this.poll.stop();
      if (wasRunning && this._job) {
        this._finished.emit(this._job);
      }
    } else if (!wasRunning) {
      this._watch();
    }
  }

  private _finished = new Signal<this, IPrelabelJob>(this);
  private _job: IPrelabelJob | null = null;
  private _message: string | null = null;
  private _requests = 0;
  private _suggestion: ISuggestion | null = null;
  private _suggestions = 0;
}

/** The last non-empty line of a traceback (the error itself). */
function lastLine(text: string | null): string {
  const lines = (text ?? '').trim().split('\n');
  return lines[lines.length - 1] || 'unknown error';
}
