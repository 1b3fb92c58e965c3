import { URLExt } from '@jupyterlab/coreutils';

import { apiURL, IUpload, requestAPI, Schemas, uploadAPI } from '../api';
import {
  IDataset,
  IDeidOptions,
  IItemPage,
  IRecipe,
  IRecipePreview,
  IRecipeStep,
  IVersion,
  Quality
} from './types';

/** The path of a dataset's route. */
function datasetPath(datasetId: number, rest = ''): string {
  return `datasets/${encodeURIComponent(datasetId)}${rest}`;
}

/** The path of a project's datasets route, with an optional query. */
function projectDatasetsPath(projectId: string, query?: Record<string, string>): string {
  const path = `projects/${encodeURIComponent(projectId)}/datasets`;
  return query ? `${path}${URLExt.objectToQueryString(query)}` : path;
}

/** The path of a project's folder uploads. */
function projectUploadsPath(projectId: string): string {
  return `projects/${encodeURIComponent(projectId)}/uploads`;
}

/** A project's datasets, oldest first. */
export async function listDatasets(projectId: string): Promise<IDataset[]> {
  return (await requestAPI<{ datasets: IDataset[] }>(projectDatasetsPath(projectId))).datasets;
}

/** Upload a file as a new dataset of a project (DICOM de-identified with `deid`), reporting the bytes sent. */
export function uploadDataset(
  projectId: string,
  file: File,
  name: string | undefined,
  deid: IDeidOptions,
  onProgress: (loaded: number, total: number) => void
): IUpload<IDataset> {
  const query: Record<string, string> = {
    filename: file.name,
    clean_descriptors: deid.clean_descriptors ? '1' : '0',
    dates: deid.dates
  };
  if (name) {
    query.name = name;
  }
  return uploadAPI<IDataset>(projectDatasetsPath(projectId, query), file, onProgress);
}

/** Import the project template's sample data (real and generated, with labels); the datasets made. */
export async function addSampleData(projectId: string): Promise<IDataset[]> {
  const path = `projects/${encodeURIComponent(projectId)}/sample-data`;
  return (await requestAPI<{ datasets: IDataset[] }>(path, { method: 'POST' })).datasets;
}

/** Open an upload folder for the files of a folder dropped in the browser; its token. */
export async function openUploadFolder(projectId: string): Promise<string> {
  return (await requestAPI<Schemas['UploadFolder']>(projectUploadsPath(projectId), { method: 'POST' })).id;
}

/** Send one file of a folder upload, with its path inside the dropped folder. */
export function uploadFolderFile(
  projectId: string,
  token: string,
  path: string,
  file: File,
  onProgress: (loaded: number, total: number) => void
): IUpload<null> {
  const query = URLExt.objectToQueryString({ path });
  return uploadAPI<null>(`${projectUploadsPath(projectId)}/${token}/files${query}`, file, onProgress);
}

/** Import what arrived in an upload folder as one dataset (the folder is then removed). */
export function importUploadFolder(
  projectId: string,
  token: string,
  name: string | undefined,
  deid: IDeidOptions
): Promise<IDataset> {
  return requestAPI<IDataset>(`${projectUploadsPath(projectId)}/${token}`, {
    method: 'POST',
    body: JSON.stringify(name ? { name, deidentification: deid } : { deidentification: deid })
  });
}

/** Throw away an upload folder and what arrived in it. */
export async function discardUploadFolder(projectId: string, token: string): Promise<void> {
  await requestAPI<null>(`${projectUploadsPath(projectId)}/${token}`, { method: 'DELETE' });
}

/** Import a file or folder that already lies under the Jupyter server's root. */
export function importServerPath(
  projectId: string,
  path: string,
  name: string | undefined,
  deid: IDeidOptions
): Promise<IDataset> {
  return requestAPI<IDataset>(projectDatasetsPath(projectId), {
    method: 'POST',
    body: JSON.stringify(name ? { path, name, deidentification: deid } : { path, deidentification: deid })
  });
}

/** One dataset with its import report. */
export function getDataset(datasetId: number): Promise<IDataset> {
  return requestAPI<IDataset>(datasetPath(datasetId));
}

/** Items in import order, or those the pre-labelling model was least sure of first. */
export type ItemOrder = 'import' | 'uncertainty';

/** A page of a dataset's items with their annotations. */
export function listItems(
  datasetId: number,
  {
    offset,
    limit,
    unlabelled,
    order
  }: { offset: number; limit: number; unlabelled?: boolean; order?: ItemOrder }
): Promise<IItemPage> {
  const query = URLExt.objectToQueryString({ offset, limit, unlabelled: unlabelled ? 1 : 0, order: order ?? 'import' });
  return requestAPI<IItemPage>(datasetPath(datasetId, `/items${query}`));
}

/** A dataset's frozen versions, newest first. */
export async function listVersions(datasetId: number): Promise<IVersion[]> {
  return (await requestAPI<Schemas['VersionList']>(datasetPath(datasetId, '/versions'))).versions;
}

/** Freeze the dataset and its labels as a new immutable version. */
export function freezeVersion(datasetId: number): Promise<IVersion> {
  return requestAPI<IVersion>(datasetPath(datasetId, '/versions'), { method: 'POST' });
}

/** The dataset's quality summary, ready to plot. */
export function getQuality(datasetId: number): Promise<Quality> {
  return requestAPI<Quality>(datasetPath(datasetId, '/quality'));
}

/** The dataset's saved cleaning recipe and the operations it may use. */
export function getRecipe(datasetId: number): Promise<IRecipe> {
  return requestAPI<IRecipe>(datasetPath(datasetId, '/recipe'));
}

/** Save the dataset's cleaning recipe. */
export function saveRecipe(datasetId: number, steps: IRecipeStep[]): Promise<unknown> {
  return requestAPI<unknown>(datasetPath(datasetId, '/recipe'), {
    method: 'PUT',
    body: JSON.stringify({ steps })
  });
}

/** What the steps would do to the first rows or item, without saving anything. */
export function previewRecipe(datasetId: number, steps: IRecipeStep[]): Promise<IRecipePreview> {
  return requestAPI<IRecipePreview>(datasetPath(datasetId, '/recipe/preview'), {
    method: 'POST',
    body: JSON.stringify({ steps })
  });
}

/** Run the saved recipe over the whole dataset: the answer is the new, cleaned dataset. */
export function applyRecipe(datasetId: number): Promise<IDataset> {
  return requestAPI<IDataset>(datasetPath(datasetId, '/recipe/apply'), { method: 'POST' });
}

/** Write the dataset as a Medical Segmentation Decathlon folder (images and masks). */
export function exportDecathlon(datasetId: number): Promise<{ folder: string | null; cases: number }> {
  return requestAPI<Schemas['ExportResult']>(datasetPath(datasetId, '/exports/msd'), {
    method: 'POST'
  });
}

/** The URL of the dataset's labels as CSV (a download). */
export function labelsCSVURL(datasetId: number): string {
  return apiURL(datasetPath(datasetId, '/labels.csv'));
}

/** The URL of one rendered slice (PNG) of an image or volume. */
export function sliceURL(itemId: number, index: number): string {
  const query = URLExt.objectToQueryString({ axis: 'axial', index });
  return apiURL(`items/${encodeURIComponent(itemId)}/slice${query}`);
}
