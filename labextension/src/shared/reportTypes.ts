/** The evaluation reports of runs and model versions, which training and the models panel both show. */

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
