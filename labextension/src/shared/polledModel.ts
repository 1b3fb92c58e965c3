import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { errorMessage } from '../api';

/**
 * A model that a `Poll` refreshes: it backs off while the server fails,
 * stands by while the page is hidden, and tells its listeners through
 * `changed` after every answer or error.
 */
export abstract class PolledModel implements IDisposable {
  constructor(options: { name: string; interval: number; auto?: boolean }) {
    this.poll = new Poll({
      auto: options.auto ?? true,
      factory: () => this._tick(),
      frequency: { interval: options.interval, backoff: true, max: 10 * options.interval },
      name: options.name,
      standby: 'when-hidden'
    });
  }

  /** Emitted after every answer or error, and whenever what the model shows changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Why the last fetch failed, or null. */
  get error(): string | null {
    return this._error;
  }

  get isDisposed(): boolean {
    return this.poll.isDisposed;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.poll.dispose();
    Signal.clearData(this);
  }

  /** Fetch now, without waiting for the next tick; an error is kept in `error`, not thrown. */
  async refresh(): Promise<void> {
    try {
      await this.fetch();
      this._error = null;
    } catch (error) {
      this._error = errorMessage(error);
    } finally {
      if (!this.isDisposed) {
        this._changed.emit();
      }
    }
  }

  /** Fetch what the model shows; throwing makes the poll back off. */
  protected abstract fetch(): Promise<void>;

  /** Record why something failed (null: it works again) and tell the listeners. */
  protected setError(error: unknown): void {
    this._error = error === null ? null : errorMessage(error);
    this._changed.emit();
  }

  protected emitChanged(): void {
    this._changed.emit();
  }

  protected readonly poll: Poll;

  private async _tick(): Promise<void> {
    try {
      await this.fetch();
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
  private _error: string | null = null;
}
