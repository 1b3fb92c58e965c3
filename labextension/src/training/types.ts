import { JSONObject } from '@lumino/coreutils';

/*
 * The shapes of the training routes, as mass_ide/server/run_handlers.py
 * answers them (see `GET mass-ide/api/openapi.json`).
 */

/** Where a run is in its life. */
export type RunStatus =
  | 'queued'
  | 'running'
  | 'cancelling'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'interrupted'
  | 'pruned';

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

/** The ROC curve of a binary classifier, as the threshold falls. */
export interface IROCCurve {
  fpr: number[];
  tpr: number[];
  thresholds?: (number | null)[];
}

/** The evaluation report of a classifier on the validation split. */
export interface IClassificationReport {
  kind: 'classification';
  classes: string[];
  /** What each class is called, in the order of `classes` (reports before names were kept lack it). */
  class_names?: string[];
  case_count: number;
  threshold: number;
  accuracy: number | null;
  balanced_accuracy: number | null;
  roc_auc: number | null;
  /** Binary problems only. */
  sensitivity: number | null;
  specificity: number | null;
  /** Counts by [true class][predicted class]. */
  confusion_matrix: number[][];
  /** Binary problems only. */
  roc_curve: IROCCurve | null;
  positive_class?: string;
  skipped?: { key: string; reason: string }[];
}

/** Per-class figures of one case, by label name (null when undefined, e.g. an empty mask). */
export type PerClass = Record<string, number | null>;

/** One validation case of a segmentation report. */
export interface ISegmentationCase {
  key: string;
  dice: PerClass;
  /** The 95% Hausdorff distance in millimetres, when the spacing is known. */
  hd95_mm?: PerClass;
  /** The 95% Hausdorff distance in voxels, when the spacing is not known. */
  hd95_voxels?: PerClass;
  /** The overlay picture's file name, relative to the run's report folder. */
  overlay?: string;
}

/** The evaluation report of a segmentation model on the validation split. */
export interface ISegmentationReport {
  kind: 'segmentation';
  classes: string[];
  cases: ISegmentationCase[];
  case_count: number;
  /** Mean Dice by label name. */
  dice: PerClass;
  mean_dice: number | null;
  overlays: string[];
  /** The report folder, relative to the run folder. */
  report_folder: string;
  skipped?: { key: string; reason: string }[];
}

/** What a run's `result.report` holds (empty when no epoch was validated). */
export type Report = IClassificationReport | ISegmentationReport;

/** How a run ended. */
export interface IRunResult {
  status: string;
  epochs_done: number;
  best_metric: IBestMetric | null;
  checkpoint: string | null;
  report: Report | Record<string, never>;
}

/** A training run. */
export interface IRun {
  id: number;
  project_id: string;
  dataset_id: number;
  dataset_version: number;
  config: TrainingConfig;
  processes: number;
  status: RunStatus;
  created_at: string;
  created_by: string;
  started_at: string | null;
  finished_at: string | null;
  epochs_done: number | null;
  epochs_total: number | null;
  /** The traceback or reason when it failed or stopped. */
  error: string | null;
  /** The error in one sentence (the last exception, `InvalidInput: …`), shown before the traceback. */
  error_summary: string | null;
  result: IRunResult | null;
  study_id: number | null;
  trial_number: number | null;
  /** The last lines of the run's log (`GET runs/{id}` only). */
  log?: string[];
}

/** The run fields the websocket sends whenever they change. */
export type RunState = Pick<IRun, 'status' | 'epochs_done' | 'epochs_total' | 'error' | 'error_summary'>;

/** One logged metric; `id` is the catch-up cursor. */
export interface IMetric {
  id: number;
  name: string;
  step: number | null;
  epoch: number | null;
  value: number;
  /** Seconds since the epoch. */
  at: number;
}

/** A page of metrics: `last` is the cursor to pass as `?since=`. */
export interface IMetricPage {
  metrics: IMetric[];
  last: number;
}

/** A websocket message of `runs/{id}/stream`. */
export interface IStreamMessage {
  metrics: IMetric[];
  run: RunState;
}

/** An automatic tuning study, whose trials are runs. */
export interface IStudy {
  id: number;
  project_id: string;
  dataset_id: number;
  dataset_version: number;
  /** The validation metric maximised, e.g. "val/auc". */
  objective: string;
  n_trials: number;
  /** The fixed overrides of every trial. */
  overrides: TrainingConfig;
  /** `stopped`: ended early on request; its finished trials stay. */
  status: 'running' | 'completed' | 'stopped';
  created_at: string;
  created_by: string;
  /** The best completed trial's run, once the study completed or was stopped. */
  best_run_id: number | null;
  trials: IRun[];
}

/** A training preset: quick finishes in minutes on a CPU, full is the project's config.json as it is. */
export type Preset = 'quick' | 'full';

/** A dataset the Train form offers, with how many of its items the task can learn from. */
export interface IDatasetOption {
  id: number;
  name: string;
  kind: string;
  item_count: number;
  /** Items the task can learn from: with a label, a mask, or a class in the table's class column. */
  labelled: number;
}

/** What the Train form starts from (`GET projects/{pid}/runs/options`). */
export interface IRunOptions {
  datasets: IDatasetOption[];
  /** The default: the most labelled dataset (null: none yet). */
  dataset_id: number | null;
  presets: { name: Preset; changes: TrainingConfig }[];
  /** The default: full on a CUDA GPU, quick on a CPU. */
  preset: Preset;
  device: 'cpu' | 'cuda';
}

/** The body of `POST projects/{pid}/runs/estimate`. */
export interface IEstimateRequest {
  dataset_id: number;
  version?: number;
  preset: Preset;
  config: TrainingConfig;
}

/** How long a run would take, and what the estimate rests on. */
export interface IRunEstimate {
  seconds: number;
  /** For people: "about 4 min". */
  duration: string;
  samples: number;
  epochs: number;
  device: 'cpu' | 'cuda';
  runs_learnt_from: number;
  basis: string;
  summary: string;
}

/** The body of `POST projects/{pid}/runs`. */
export interface INewRun {
  dataset_id: number;
  /** Omitted: freeze a new version now. */
  version?: number;
  preset: Preset;
  config: TrainingConfig;
  processes: number;
}

/** The body of `POST projects/{pid}/studies`. */
export interface INewStudy {
  dataset_id: number;
  version?: number;
  preset: Preset;
  trials: number;
  config: TrainingConfig;
}
