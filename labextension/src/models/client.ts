import { URLExt } from '@jupyterlab/coreutils';

import { apiURL, requestAPI, Schemas } from '../api';
import {
  EvaluationItems,
  EvaluationReport,
  IDeployment,
  IExportReport,
  IModel,
  IModelDetail,
  IPredictAnswer,
  IVersion,
  Runtime
} from './types';

/** The path of a model route. */
function modelPath(name: string, rest = ''): string {
  return `models/${encodeURIComponent(name)}${rest}`;
}

/** The path of a model version route. */
function versionPath(name: string, version: number, rest = ''): string {
  return modelPath(name, `/versions/${encodeURIComponent(version)}${rest}`);
}

/** The path of a deployment route. */
function deploymentPath(deploymentId: number, rest = ''): string {
  return `deployments/${encodeURIComponent(deploymentId)}${rest}`;
}

/** A JSON POST or PUT. */
function send(method: string, body?: unknown): RequestInit {
  return body === undefined ? { method } : { method, body: JSON.stringify(body) };
}

/** The registered models of a project. */
export async function listModels(projectId: string): Promise<IModel[]> {
  const query = URLExt.objectToQueryString({ project: projectId });
  return (await requestAPI<Schemas['ModelList']>(`models${query}`)).models;
}

/** A model with every version, deleted ones included. */
export function getModel(name: string): Promise<IModelDetail> {
  return requestAPI<IModelDetail>(modelPath(name));
}

/** One version with its lineage, signature and model card. */
export function getVersion(name: string, version: number): Promise<IVersion> {
  return requestAPI<IVersion>(versionPath(name, version));
}

/** Register a completed run's best checkpoint as a new version of its project's model. */
export function registerRun(runId: number): Promise<IVersion> {
  return requestAPI<IVersion>(`runs/${encodeURIComponent(runId)}/register`, send('POST'));
}

/** Point an alias (e.g. "production") at a version. */
export function setAlias(name: string, version: number, alias: string): Promise<unknown> {
  return requestAPI(versionPath(name, version, '/alias'), send('PUT', { alias }));
}

/** Remove an alias from the model. */
export function removeAlias(name: string, alias: string): Promise<unknown> {
  return requestAPI(modelPath(name, `/aliases/${encodeURIComponent(alias)}`), send('DELETE'));
}

/** Delete a version (soft: it can be restored). */
export function deleteVersion(name: string, version: number): Promise<unknown> {
  return requestAPI(versionPath(name, version), send('DELETE'));
}

/** Bring a deleted version back. */
export function restoreVersion(name: string, version: number): Promise<unknown> {
  return requestAPI(versionPath(name, version, '/restore'), send('POST'));
}

/** The URL that downloads a version's bundle as a zip. */
export function downloadURL(name: string, version: number): string {
  return apiURL(versionPath(name, version, '/download'));
}

/** Write TorchScript, ONNX and a MONAI Bundle folder, each checked against the model. */
export function exportVersion(name: string, version: number): Promise<IExportReport> {
  return requestAPI<IExportReport>(versionPath(name, version, '/export'), send('POST'));
}

/**
 * Start a prediction endpoint for a version, on PyTorch or ONNX Runtime (exported first if needed);
 * `overrideParity` deploys an ONNX export that failed its parity check (refused with 409 otherwise).
 */
export function deploy(name: string, version: number, runtime: Runtime, overrideParity = false): Promise<IDeployment> {
  const body = overrideParity ? { runtime, override_parity: true } : { runtime };
  return requestAPI<IDeployment>(versionPath(name, version, '/deploy'), send('POST', body));
}

/** The deployments of a project, newest first. */
export async function listDeployments(projectId: string): Promise<IDeployment[]> {
  const query = URLExt.objectToQueryString({ project: projectId });
  return (await requestAPI<{ deployments: IDeployment[] }>(`deployments${query}`)).deployments;
}

/** One deployment with its counters. */
export function getDeployment(deploymentId: number): Promise<IDeployment> {
  return requestAPI<IDeployment>(deploymentPath(deploymentId));
}

/** Stop a deployment. */
export function undeploy(deploymentId: number): Promise<unknown> {
  return requestAPI(deploymentPath(deploymentId), send('DELETE'));
}

/** Predict from lab values (one record), with the units they were entered in. */
export function predictRecords(
  deploymentId: number,
  records: Record<string, number | null>[],
  units: Record<string, string>
): Promise<IPredictAnswer> {
  return requestAPI<IPredictAnswer>(deploymentPath(deploymentId, '/predict'), send('POST', { records, units }));
}

/** Predict from a file: an image, a NIfTI volume or a zip of one DICOM series. */
export function predictFile(deploymentId: number, file: File): Promise<IPredictAnswer> {
  const body = new FormData();
  body.append('file', file, file.name);
  return requestAPI<IPredictAnswer>(deploymentPath(deploymentId, '/predict'), { method: 'POST', body });
}

/** Run the deployment over a labelled dataset version: the items it never trained on, or all of them. */
export function evaluate(
  deploymentId: number,
  datasetId: number,
  version?: number,
  items: EvaluationItems = 'unseen'
): Promise<EvaluationReport> {
  const body = version === undefined ? { dataset_id: datasetId, items } : { dataset_id: datasetId, version, items };
  return requestAPI<EvaluationReport>(deploymentPath(deploymentId, '/evaluate'), send('POST', body));
}
