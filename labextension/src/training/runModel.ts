import { ISignal, Signal } from '@lumino/signaling';

import { cancelRun, getRun, metricsSince, openRunStream, resumeRun } from './client';
import { MetricSeries } from './curves';
import { PolledModel } from '../shared/polledModel';
import { runEvents } from '../shared/runEvents';
import { IMetric, IRun, isActive, IStreamMessage } from './types';

/** How often the run (its log tail) is fetched while it is active and the page visible. */
const REFRESH_INTERVAL_MS = 3_000;

/** The first and the longest wait before reconnecting a dropped stream. */
const RECONNECT_FIRST_MS = 1_000;
const RECONNECT_MAX_MS = 30_000;

/** The state of the live metrics stream. */
export type StreamState = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'closed';

/**
 * One run, kept live: its state and log tail, and every metric it logged.
 *
 * It first fetches the run and all its metrics (`metrics?since=0`), then, while
 * the run is active, listens to the websocket from the last metric it has,
 * reconnecting with a growing delay when the connection drops. A `Poll`
 * refreshes the run (for its log tail) every few seconds while it is active.
 */
export class RunModel extends PolledModel {
  constructor(readonly runId: number) {
    super({ name: `mass-ide:run-${runId}`, interval: REFRESH_INTERVAL_MS, auto: false });
    void this._load();
  }

  /** Emitted with the metrics that just arrived (all of them after the first fetch). */
  get metricsAdded(): ISignal<this, readonly IMetric[]> {
    return this._metricsAdded;
  }

  /** The run, or null until it is loaded. */
  get run(): IRun | null {
    return this._run;
  }

  /** The last lines of the run's log. */
  get log(): readonly string[] {
    return this._run?.log ?? [];
  }

  /** The state of the live stream. */
  get stream(): StreamState {
    return this._stream;
  }

  /** Every metric received so far, oldest first. */
  get metrics(): readonly IMetric[] {
    return this._metrics;
  }

  /** Every metric received so far, by name, ready to draw. */
  get series(): MetricSeries {
    return this._series;
  }

  /** Cancel the run; throws an `APIError` with the server's message. */
  async cancel(): Promise<void> {
    this._update(await cancelRun(this.runId));
    runEvents.emit(this._run?.project_id);
  }

  /** Resume the run from its last checkpoint; throws an `APIError` with the server's message. */
  async resume(): Promise<void> {
    this._update(await resumeRun(this.runId));
    runEvents.emit(this._run?.project_id);
    this._follow();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    window.clearTimeout(this._reconnectTimer);
    this._closeSocket();
    super.dispose();
  }

  /** The first load: the run, then all its metrics, then the live stream while it is active. */
  private async _load(): Promise<void> {
    try {
      this._update(await getRun(this.runId));
      const page = await metricsSince(this.runId, this._last);
      this._addMetrics(page.metrics);
    } catch (error) {
      this.setError(error);
      return;
    }
    this._follow();
  }

  /** Listen and refresh while the run is active. */
  private _follow(): void {
    if (this.isDisposed || !this._run || !isActive(this._run.status)) {
      return;
    }
    void this.poll.start();
    if (!this._socket) {
      this._connect();
    }
  }

  /** Open the websocket from the last metric received. */
  private _connect(): void {
    this._setStream(this._attempts === 0 ? 'connecting' : 'reconnecting');
    const socket = openRunStream(this.runId, this._last);
    this._socket = socket;
    socket.onopen = () => {
      this._attempts = 0;
      this._setStream('live');
    };
    socket.onmessage = event => this._onMessage(event.data);
    socket.onclose = () => {
      if (this._socket !== socket || this.isDisposed) {
        return;
      }
      this._socket = null;
      if (this._run && isActive(this._run.status)) {
        // Dropped while the run goes on: try again later, from the last metric.
        const delay = Math.min(RECONNECT_FIRST_MS * 2 ** this._attempts, RECONNECT_MAX_MS);
        this._attempts += 1;
        this._setStream('reconnecting');
        this._reconnectTimer = window.setTimeout(() => this._connect(), delay);
      } else {
        this._setStream('closed');
      }
    };
  }

  private _closeSocket(): void {
    const socket = this._socket;
    this._socket = null;
    socket?.close();
  }

  private _onMessage(data: unknown): void {
    if (typeof data !== 'string') {
      return;
    }
    let message: IStreamMessage;
    try {
      message = JSON.parse(data) as IStreamMessage;
    } catch {
      return;
    }
    this._addMetrics(message.metrics ?? []);
    if (this._run && message.run) {
      const ended = isActive(this._run.status) && !isActive(message.run.status);
      this._update({ ...this._run, ...message.run });
      if (ended) {
        // Fetch the result (the evaluation report) and the last log lines once.
        void this.poll.refresh();
        runEvents.emit(this._run.project_id);
      }
    }
  }

  /** Keep metrics newer than the cursor and tell the listeners. */
  private _addMetrics(metrics: IMetric[]): void {
    const fresh = metrics.filter(metric => metric.id > this._last);
    if (fresh.length === 0) {
      return;
    }
    this._metrics.push(...fresh);
    this._series.add(fresh);
    this._last = fresh[fresh.length - 1].id;
    this._metricsAdded.emit(fresh);
  }

  /** The poll's tick: fetch the run (its log tail); stop polling once it has ended. */
  protected async fetch(): Promise<void> {
    this._update(await getRun(this.runId));
    if (this._run && !isActive(this._run.status)) {
      void this.poll.stop();
    }
  }

  private _update(run: IRun): void {
    // A state change from the stream keeps the log last fetched.
    this._run = { ...run, log: run.log ?? this._run?.log };
    this.emitChanged();
  }

  private _setStream(state: StreamState): void {
    this._stream = state;
    this.emitChanged();
  }

  private _attempts = 0;
  private _last = 0;
  private _metrics: IMetric[] = [];
  private _metricsAdded = new Signal<this, readonly IMetric[]>(this);
  private _reconnectTimer = 0;
  private _run: IRun | null = null;
  private _series = new MetricSeries();
  private _socket: WebSocket | null = null;
  private _stream: StreamState = 'idle';
}
