import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { errorMessage } from '../api';
import { getTrace, ITrace, TraceTarget } from './client';

/** The trace a panel shows: loaded on creation and on `refresh`, `changed` emitted at each change. */
export class TraceModel implements IDisposable {
  constructor(readonly target: TraceTarget) {
    void this.refresh();
  }

  /** Emitted when the trace, the loading state or the error changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The trace, once loaded. */
  get trace(): ITrace | null {
    return this._trace;
  }

  /** Whether a load is under way. */
  get loading(): boolean {
    return this._loading;
  }

  /** Why the last load failed, or null. */
  get error(): string | null {
    return this._error;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Load the trace again (it grows with each prediction, alias and result sent). */
  async refresh(): Promise<void> {
    this._loading = true;
    this._changed.emit();
    try {
      const trace = await getTrace(this.target);
      this._trace = trace;
      this._error = null;
    } catch (error) {
      this._error = errorMessage(error);
    } finally {
      this._loading = false;
      if (!this._disposed) {
        this._changed.emit();
      }
    }
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    Signal.clearData(this);
  }

  private _changed = new Signal<this, void>(this);
  private _trace: ITrace | null = null;
  private _loading = false;
  private _error: string | null = null;
  private _disposed = false;
}
