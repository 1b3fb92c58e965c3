import { JSONObject } from '@lumino/coreutils';

import { Report } from '../training/types';

/*
 * The shapes of the registry and serving routes (see
 * `GET mass-ide/api/openapi.json`): models, versions, deployments,
 * predictions, evaluations and exports.
 */

/** One column of a table model's input: a lab value, its unit and the training data's range. */
export interface IColumn {
  name: string;
  unit: string | null;
  min: number | null;
  max: number | null;
}

/** What a model takes. */
export type SignatureInputs =
  | { kind: 'table'; columns: IColumn[] }
  | { kind: 'image'; channels: number; size: number[] | null; formats: string[] }
  | { kind: 'volume'; spatial_dims: number; formats: string[] };

/** What a model gives: class probabilities, or a mask with its classes by value. */
export type SignatureOutputs =
  | {
      kind: 'probabilities';
      classes: string[];
      /** What each class is called (versions registered before names were kept lack it). */
      names?: Record<string, string>;
    }
  | { kind: 'mask'; classes: Record<string, string> };

/** A model version's input signature, from which the test page is built. */
export interface ISignature {
  task: string;
  inputs: SignatureInputs;
  outputs: SignatureOutputs;
}

/** A registered model, as `GET models` lists it. */
export interface IModel {
  name: string;
  project_id: string;
  task: string;
  /** The newest live version's number, or null when every version is deleted. */
  latest_version: number | null;
  /** Version numbers by alias, e.g. `{"production": 2}`. */
  aliases: Record<string, number>;
  version_count: number;
}

/** Metric values by name, e.g. `{"val/auc": 0.91}`. */
export type Metrics = Record<string, number | null>;

/** Where a version comes from. */
export interface ILineage {
  run_id: number | null;
  dataset_id: number | null;
  dataset_version: number | null;
  dataset_digest: string | null;
  config: JSONObject | null;
  package_version: string | null;
  created_by: string;
  created_at: string;
}

/** A model version as the versions list gives it. */
export interface IVersionSummary {
  number: number;
  run_id: number | null;
  metrics: Metrics;
  aliases: string[];
  created_at: string;
  created_by: string;
  deleted_at: string | null;
}

/** A model with its versions (`GET models/{name}`), deleted ones included. */
export interface IModelDetail extends IModel {
  versions: IVersionSummary[];
}

/** One model version (`GET models/{name}/versions/{v}`). */
export interface IVersion extends IVersionSummary {
  model: string;
  lineage: ILineage;
  signature: ISignature;
  /** The model card, in Markdown. */
  card: string;
  /** The bundle's files, relative to its folder. */
  artifacts: string[];
  /** The last export report, null before the version was exported. */
  export: IExportReport | null;
}

/** Where a deployment is in its life. */
export type DeploymentStatus = 'starting' | 'running' | 'failed' | 'stopped';

/** A deployed model version serving predictions. */
export interface IDeployment {
  id: number;
  model: string;
  version: number;
  project_id: string;
  status: DeploymentStatus;
  /** The predict URL path, under the Jupyter server. */
  url: string;
  requests: number;
  errors: number;
  latency_ms_p50: number | null;
  runtime: string;
  signature: ISignature;
  created_at: string;
  created_by: string;
  stopped_at: string | null;
  /** Why it failed (the worker's log tail), or null. */
  error: string | null;
}

/** An encoded mask: gzip-compressed bytes in base64. */
export interface IEncodedMask {
  shape: number[];
  dtype: string;
  encoding: string;
  data: string;
}

/** One prediction of a classifier. */
export interface IClassPrediction {
  class: string;
  probabilities: Record<string, number>;
  uncertainty: number;
}

/** One prediction of a segmentation model. */
export interface IMaskPrediction {
  mask: IEncodedMask;
  classes: Record<string, string>;
  voxels: Record<string, number>;
  /** Volumes: millilitres per class, from the input's voxel size. */
  volume_ml?: Record<string, number>;
  uncertainty: number;
  /** The length of the mask's last axis (1 for a picture). */
  slices: number;
  /** Volumes: the input's 4×4 voxel-to-world (RAS+) affine, which orients the slices shown. */
  affine?: number[][];
}

export type Prediction = IClassPrediction | IMaskPrediction;

/** The answer of `POST deployments/{dep}/predict`. */
export interface IPredictAnswer {
  model: string;
  version: number;
  predictions: Prediction[];
  /** Masks only: the id under which the server keeps the mask (`GET deployments/{dep}/predictions/{id}/slice`). */
  prediction_id?: string;
}

/** Whether a prediction is a classifier's. */
export function isClassPrediction(prediction: Prediction): prediction is IClassPrediction {
  return 'probabilities' in prediction;
}

/** Which labelled items an evaluation scores: those the model never trained on (default), or all. */
export type EvaluationItems = 'unseen' | 'all';

/** What an evaluation scored. */
export interface IScored {
  items: number;
  /** Which items, in words ("the run's validation split (version 2)"). */
  which: string;
  /** How many of them the model trained on (null: its training data is not recorded). */
  training_items_included: number | null;
  keys?: string[];
}

/** An evaluation of a deployment on a labelled dataset version (the shape of a training report). */
export type EvaluationReport = Report & {
  dataset_id: number;
  dataset_version: number;
  scored?: IScored | null;
  /** Set when training items were scored: the scores are optimistic. */
  warning?: string | null;
  evaluated_at: string;
  evaluated_by: string;
};

/** One input of the parity check and how the exported file did on it. */
export interface IParityCase {
  name: string;
  max_abs_diff: number | null;
  /** Masks: the mean Dice per class of the argmax masks. */
  dice?: number;
}

/** The bounds an exported format must keep to pass its parity check. */
export interface IParityTolerance {
  max_abs_diff: number;
  /** Masks only (null for classifiers). */
  dice: number | null;
}

/** One exported format and its parity with the registered model. */
export interface IExportedFile {
  file: string;
  /** The largest absolute difference of its class probabilities from the torch model's, over the cases. */
  max_abs_diff: number | null;
  /** Masks: the smallest mean Dice of the argmax masks over the cases. */
  dice?: number | null;
  tolerance?: IParityTolerance;
  /** The verdict (null: not exported; absent: exported before verdicts existed). */
  passed?: boolean | null;
  cases?: IParityCase[];
  error?: string | null;
}

/** What the parity check compared, on which inputs. */
export interface IParityInputs {
  compared: string;
  input_shape: number[];
  cases: string[];
}

/** The answer of `POST models/{name}/versions/{v}/export`. */
export interface IExportReport {
  torchscript: IExportedFile;
  onnx: IExportedFile;
  /** The MONAI Bundle folder, relative to the workspace. */
  bundle: string;
  parity?: IParityInputs;
}

/** How a deployment runs its model. */
export type Runtime = 'torch' | 'onnx';
