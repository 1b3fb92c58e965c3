import { JSONObject } from '@lumino/coreutils';

import type { Refines, Schemas } from '../api';
import type { Report } from '../shared/reportTypes';

/*
 * The shapes of the training routes: aliases of the types generated from
 * `GET mass-ide/api/openapi.json` (src/apiTypes.ts), and hand-written
 * refinements where the schema leaves an object free-form (a run's config
 * and result, the reports).
 */

/** Where a run is in its life. */
export type RunStatus = Schemas['Run']['status'];

/** The statuses of a run that has not ended yet. */
const ACTIVE: ReadonlySet<string> = new Set(['queued', 'running', 'cancelling']);

/** The statuses from which `POST runs/{id}/resume` may continue a run. */
const RESUMABLE: ReadonlySet<string> = new Set(['interrupted', 'failed', 'cancelled']);

/** Whether a run with this status has not ended yet. */
export function isActive(status: string): boolean {
  return ACTIVE.has(status);
}

/** Whether a run with this status may resume from its last checkpoint. */
export function isResumable(status: string): boolean {
  return RESUMABLE.has(status);
}

/** A training configuration (the template's `config.json` with overrides). */
export type TrainingConfig = JSONObject;

/** The best validation metric of a run. */
export interface IBestMetric {
  name: string;
  value: number;
  epoch: number;
}

/** How a run ended. */
export interface IRunResult {
  status: string;
  epochs_done: number;
  best_metric: IBestMetric | null;
  checkpoint: string | null;
  report: Report | Record<string, never>;
}

/** A training run; `config` and `result` refine the schema's free-form objects. */
export type IRun = Omit<Schemas['Run'], 'config' | 'result'> & {
  config: TrainingConfig;
  result?: IRunResult | null;
  /** Sent by the server (`GET runs/{id}`, run lists) but not listed in the schema's Run. */
  created_at: string;
  created_by: string;
  started_at: string | null;
  finished_at: string | null;
};

/** The run fields the websocket sends whenever they change. */
export type RunState = Pick<IRun, 'status' | 'epochs_done' | 'epochs_total' | 'error' | 'error_summary'>;

/**
 * One logged metric; `id` is the catch-up cursor, `at` seconds since the epoch. The server sends
 * every field, though the schema does not list them as required.
 */
export type IMetric = Required<Schemas['MetricPage']['metrics'][number]>;

/** A page of metrics: `last` is the cursor to pass as `?since=`. */
export type IMetricPage = Refines<{ metrics: IMetric[]; last: number }, Schemas['MetricPage']>;

/** A websocket message of `runs/{id}/stream`. */
export interface IStreamMessage {
  metrics: IMetric[];
  run: RunState;
}

/** An automatic tuning study, whose trials are runs (`stopped`: ended early on request). */
export type IStudy = Omit<Schemas['Study'], 'trials'> & {
  trials: IRun[];
  /** Sent by the server but not listed in the schema's Study: the fixed overrides of every trial. */
  overrides: TrainingConfig;
  created_at: string;
  created_by: string;
};

/** A training preset: quick finishes in minutes on a CPU, full is the project's config.json as it is. */
export type Preset = NonNullable<Schemas['NewRun']['preset']>;

/** A dataset the Train form offers, with how many of its items the task can learn from. */
export type IDatasetOption = Schemas['RunOptions']['datasets'][number];

/** What the Train form starts from (`GET projects/{pid}/runs/options`); `changes` as configs. */
export type IRunOptions = Omit<Schemas['RunOptions'], 'presets'> & {
  presets: { name: Preset; changes: TrainingConfig }[];
};

/** The body of `POST projects/{pid}/runs/estimate`. */
export type IEstimateRequest = Schemas['RunEstimateRequest'];

/** How long a run would take, and what the estimate rests on. */
export type IRunEstimate = Schemas['RunEstimate'];

/** The body of `POST projects/{pid}/runs` (no version: freeze a new one now). */
export type INewRun = Schemas['NewRun'];

/** The body of `POST projects/{pid}/studies`. */
export type INewStudy = Schemas['NewStudy'];
