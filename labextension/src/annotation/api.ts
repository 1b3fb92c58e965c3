import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { APIError, IProjectDetail, Refines, requestAPI, Schemas } from '../api';
import { IAnnotation, IItem } from '../data/types';

export type { IAnnotation, IItem };

/** A slice direction through a volume; a 2D image has only `axial`. */
export type Axis = 'axial' | 'coronal' | 'sagittal';

/** A segmentation label class: the mask value and its name. */
export interface IMaskClass {
  value: number;
  name: string;
}

/** The classes annotators assign: stored values, what each is called, and what it trains as. */
export interface ILabelScheme {
  kind: 'label';
  classes: string[];
  /** The table column a record's class is read from while it has no label of its own (null: none). */
  column?: string | null;
  /** The name shown for each class value (training classes such as `positive` too). */
  names?: Record<string, string>;
  /** The training class each label becomes under the config's `positive_when` (empty without one). */
  trains_as?: Record<string, string>;
  /** Each table column's unit, e.g. `{"ast": "U/L"}`. */
  units?: Record<string, string>;
}

/** What annotators assign in a project: class labels, or mask label classes. */
export type AnnotationScheme = Refines<
  ILabelScheme | { kind: 'mask'; classes: IMaskClass[] },
  IProjectDetail['annotation']
>;

/** How much of one label class a mask holds (`GET items/{id}/mask/volumes`; `ml` null for a picture). */
export type IClassVolume = Schemas['MaskVolumes']['classes'][number];

/** Voxels and mL of each label class in an item's mask. */
export async function getMaskVolumes(itemId: number): Promise<IClassVolume[]> {
  return (await requestAPI<Schemas['MaskVolumes']>(`items/${itemId}/mask/volumes`)).classes;
}

/** One slice of an item: the direction and the index along it. */
export interface ISliceRef {
  axis: Axis;
  index: number;
}

/** What the project's annotators assign (`annotation` of `GET projects/{id}`). */
export async function getScheme(projectId: string): Promise<AnnotationScheme> {
  const detail = await requestAPI<Omit<IProjectDetail, 'annotation'> & { annotation: AnnotationScheme }>(
    `projects/${encodeURIComponent(projectId)}`
  );
  return detail.annotation;
}

/** One item with its current annotation. */
export function getItem(itemId: number): Promise<IItem> {
  return requestAPI<IItem>(`items/${itemId}`);
}

/** An item's current annotation. */
export function getAnnotation(itemId: number): Promise<IAnnotation> {
  return requestAPI<IAnnotation>(`items/${itemId}/annotation`);
}

/** Assign (or clear, with null) an item's class, starting from `version`; 409 when someone saved since. */
export function saveLabel(itemId: number, label: string | null, version: number): Promise<IAnnotation> {
  return requestAPI<IAnnotation>(`items/${itemId}/annotation`, {
    method: 'PUT',
    body: JSON.stringify({ label, version })
  });
}

/** Replace one mask slice with a grey PNG of class values, starting from `version`; 409 when someone saved since. */
export function saveMaskSlice(itemId: number, slice: ISliceRef, png: Blob, version: number): Promise<IAnnotation> {
  const query = URLExt.objectToQueryString({ ...slice, version });
  return requestAPI<IAnnotation>(`items/${itemId}/mask${query}`, {
    method: 'PUT',
    body: png,
    headers: { 'Content-Type': 'image/png' }
  });
}

/** The endpoint of a rendered slice; `window` is a preset name or "level,width". */
export function sliceEndPoint(itemId: number, slice: ISliceRef, window: string | null): string {
  const query = URLExt.objectToQueryString(window ? { ...slice, window } : { ...slice });
  return `items/${itemId}/slice${query}`;
}

/** The endpoint of a mask slice. */
export function maskEndPoint(itemId: number, slice: ISliceRef): string {
  return `items/${itemId}/mask${URLExt.objectToQueryString({ ...slice })}`;
}

/**
 * GET a binary answer (a PNG) of the Mass IDE API with the Jupyter
 * credentials. `requestAPI` decodes JSON; this keeps the bytes. An error
 * answer throws an `APIError` with the server's message.
 */
export async function requestBlob(endPoint: string): Promise<Blob> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'mass-ide/api', endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, {}, settings);
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }
  if (!response.ok) {
    const text = await response.text();
    let message = `${response.status} ${response.statusText}`;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {
      // Not JSON: keep the status line.
    }
    throw new APIError(message, response.status);
  }
  return response.blob();
}

/** Whether an error is the server's 409: someone saved a newer version. */
export function isConflict(error: unknown): error is APIError {
  return error instanceof APIError && error.status === 409;
}
