import { requestAPI, Schemas } from '../api';

/** The trace from study to prediction, as the `…/trace` routes answer it. */
export type ITrace = Schemas['Trace'];

/** An import into the dataset (or into one it was cleaned from). */
export type ITraceSource = ITrace['sources'][number];

/** Where data came from in the PACS, in hashed UIDs. */
export type ITraceOrigin = NonNullable<ITraceSource['origin']>;

/** The dataset the chain runs through. */
export type ITraceDataset = NonNullable<ITrace['dataset']>;

/** The item a trace started from. */
export type ITraceItem = NonNullable<ITrace['item']>;

/** A model version on the path, with what it was trained on and what it answered. */
export type ITraceModel = ITrace['models'][number];

/** A step of the alias history of a model. */
export type ITraceAlias = ITraceModel['aliases'][number];

/** A deployment of a model version, with its predictions. */
export type ITraceDeployment = ITraceModel['deployments'][number];

/** One prediction of a deployment, with its DICOM result and where it went. */
export type ITracePrediction = ITraceDeployment['predictions'][number];

/** A DICOM result written for a prediction, or its sending to a node. */
export type ITraceDicom = ITracePrediction['dicom'][number];

/** Who and when of a step. */
export interface IStepMeta {
  at?: string | null;
  by?: string | null;
}

/** Where a trace starts: a prediction of a deployment, a model version, or a dataset item. */
export type TraceTarget =
  | { kind: 'prediction'; deployment: number; prediction: string }
  | { kind: 'version'; model: string; version: number }
  | { kind: 'item'; item: number };

/** A key naming a trace's start, unique among open trace panels. */
export function targetKey(target: TraceTarget): string {
  switch (target.kind) {
    case 'prediction':
      return `prediction-${target.deployment}-${target.prediction}`;
    case 'version':
      return `version-${target.model}-${target.version}`;
    case 'item':
      return `item-${target.item}`;
  }
}

/** What a trace's start is called in a tab or a heading. */
export function targetLabel(target: TraceTarget): string {
  switch (target.kind) {
    case 'prediction':
      return `prediction ${target.prediction.slice(0, 8)}`;
    case 'version':
      return `${target.model} v${target.version}`;
    case 'item':
      return `item ${target.item}`;
  }
}

/** The route answering the trace of `target`. */
export function tracePath(target: TraceTarget): string {
  switch (target.kind) {
    case 'prediction':
      return (
        `deployments/${encodeURIComponent(target.deployment)}` +
        `/predictions/${encodeURIComponent(target.prediction)}/trace`
      );
    case 'version':
      return `models/${encodeURIComponent(target.model)}/versions/${encodeURIComponent(target.version)}/trace`;
    case 'item':
      return `items/${encodeURIComponent(target.item)}/trace`;
  }
}

/** The trace from `target` back to its studies and on to its predictions. */
export function getTrace(target: TraceTarget): Promise<ITrace> {
  return requestAPI<ITrace>(tracePath(target));
}
