/** A project's PACS retrievals, polled while any of them fetches or imports. */
import { ISignal, Signal } from '@lumino/signaling';

import { errorMessage } from '../api';
import { PolledModel } from '../shared/polledModel';
import * as client from './client';
import { IRetrieval, isActive } from './client';

/** How often the retrievals are fetched while one is under way. */
const POLL_MS = 1000;

/**
 * The retrievals of one project, newest first. It fetches them once, then
 * polls while any is fetching or importing, and says through `finished`
 * when one that was under way ends (done, failed or cancelled).
 */
export class RetrievalsModel extends PolledModel {
  constructor(readonly projectId: string) {
    super({ name: `mass-ide:retrievals-${projectId}`, interval: POLL_MS, auto: false });
    void this.refresh();
  }

  /** Emitted once for each retrieval seen under way that has ended since. */
  get finished(): ISignal<this, IRetrieval> {
    return this._finished;
  }

  /** The project's retrievals, newest first. */
  get retrievals(): readonly IRetrieval[] {
    return this._retrievals;
  }

  /** Whether any retrieval is fetching or importing. */
  get active(): boolean {
    return this._retrievals.some(retrieval => isActive(retrieval.state));
  }

  /** Why starting or cancelling failed (or the list could not be fetched), or null. */
  get error(): string | null {
    return this._message ?? super.error;
  }

  /** Start a retrieval and follow it. */
  async start(retrieval: client.INewRetrieval): Promise<IRetrieval | null> {
    this._message = null;
    try {
      const started = await client.startRetrieval(this.projectId, retrieval);
      this._merge([started]);
      this._follow();
      return started;
    } catch (error) {
      this._message = errorMessage(error);
      return null;
    } finally {
      this.emitChanged();
    }
  }

  /** Cancel a retrieval: it stops after the instance being fetched. */
  async cancel(retrievalId: string): Promise<void> {
    this._message = null;
    try {
      this._merge([await client.cancelRetrieval(retrievalId)]);
    } catch (error) {
      this._message = errorMessage(error);
    }
    this.emitChanged();
    void this.poll.refresh();
  }

  /** Fetch the list; stop polling when nothing is under way, tell who listens what ended. */
  protected async fetch(): Promise<void> {
    const fetched = await client.listRetrievals(this.projectId);
    const ended = fetched.filter(retrieval => !isActive(retrieval.state) && this._following.has(retrieval.id));
    this._retrievals = fetched;
    this._follow();
    for (const retrieval of ended) {
      this._following.delete(retrieval.id);
      this._finished.emit(retrieval);
    }
  }

  /** Put newer copies of retrievals into the list (a new one first). */
  private _merge(newer: IRetrieval[]): void {
    const byId = new Map(newer.map(retrieval => [retrieval.id, retrieval]));
    const kept = this._retrievals.map(retrieval => byId.get(retrieval.id) ?? retrieval);
    const added = newer.filter(retrieval => !this._retrievals.some(known => known.id === retrieval.id));
    this._retrievals = [...added, ...kept];
  }

  /** Remember what is under way, and poll while anything is. */
  private _follow(): void {
    for (const retrieval of this._retrievals) {
      if (isActive(retrieval.state)) {
        this._following.add(retrieval.id);
      }
    }
    if (this.active) {
      void this.poll.start();
    } else {
      void this.poll.stop();
    }
  }

  private _finished = new Signal<this, IRetrieval>(this);
  private _following = new Set<string>();
  private _message: string | null = null;
  private _retrievals: IRetrieval[] = [];
}
