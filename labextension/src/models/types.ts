import type { Refines, Schemas } from '../api';
import { Report } from '../shared/reportTypes';

/*
 * The shapes of the registry and serving routes (models, versions,
 * deployments, predictions, evaluations and exports): aliases of the types
 * generated from `GET mass-ide/api/openapi.json` (src/apiTypes.ts), and
 * hand-written refinements where the schema leaves an object free-form
 * (a signature, a prediction).
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

/** A model version's input signature, from which the test page is built (free-form in the schema). */
export type ISignature = Refines<
  { task: string; inputs: SignatureInputs; outputs: SignatureOutputs },
  Schemas['ModelVersion']['signature']
>;

/** A registered model, as `GET models` lists it (`latest_version` null when every version is deleted). */
export type IModel = Schemas['Model'];

/** Metric values by name, e.g. `{"val/auc": 0.91}`. */
export type Metrics = Schemas['ModelVersionSummary']['metrics'];

/** Where a version comes from. */
export type ILineage = Schemas['ModelVersion']['lineage'];

/** A model version as the versions list gives it. */
export type IVersionSummary = Schemas['ModelVersionSummary'];

/** A model with its versions (`GET models/{name}`), deleted ones included. */
export type IModelDetail = Schemas['ModelDetail'];

/** One model version (`GET models/{name}/versions/{v}`); `export` is null before an export. */
export type IVersion = Omit<Schemas['ModelVersion'], 'signature'> & { signature: ISignature };

/** Where a deployment is in its life. */
export type DeploymentStatus = Schemas['Deployment']['status'];

/** A deployed model version serving predictions (`url`: the predict path, under the Jupyter server). */
export type IDeployment = Omit<Schemas['Deployment'], 'signature'> & { signature: ISignature };

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

/** The answer of `POST deployments/{dep}/predict` (`prediction_id`: for its trace and a mask's slice route). */
export type IPredictAnswer = Omit<Schemas['PredictionAnswer'], 'predictions'> & { predictions: Prediction[] };

/** Whether a prediction is a classifier's. */
export function isClassPrediction(prediction: Prediction): prediction is IClassPrediction {
  return 'probabilities' in prediction;
}

/** Which labelled items an evaluation scores: those the model never trained on (default), or all. */
export type EvaluationItems = NonNullable<Schemas['NewEvaluation']['items']>;

/** What an evaluation scored (`which` in words; `training_items_included` null: not recorded). */
export type IScored = Schemas['Scored'];

/** An evaluation of a deployment on a labelled dataset version (the shape of a training report). */
export type EvaluationReport = Schemas['EvaluationReport'] &
  Report & {
    /** Sent by the server but not listed in the schema's EvaluationReport. */
    evaluated_at: string;
    evaluated_by: string;
  };

/** One input of the parity check and how the exported file did on it. */
export type IParityCase = Schemas['ParityCase'];

/** One exported format and its parity with the registered model (`passed` absent: exported before verdicts). */
export type IExportedFile = Schemas['ExportedFile'];

/** The bounds an exported format must keep to pass its parity check. */
export type IParityTolerance = NonNullable<IExportedFile['tolerance']>;

/** What the parity check compared, on which inputs. */
export type IParityInputs = NonNullable<Schemas['ExportReport']['parity']>;

/** The answer of `POST models/{name}/versions/{v}/export`. */
export type IExportReport = Schemas['ExportReport'];

/** How a deployment runs its model. */
export type Runtime = Schemas['Deployment']['runtime'];
