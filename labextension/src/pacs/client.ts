/**
 * The PACS routes of the Mass IDE API: nodes, connection checks, study and series searches, retrievals, and
 * clinical inference on a PACS series (its DICOM SEG or SR result, downloaded or sent back to a PACS), one series
 * at a time or in batches over a worklist; and the DICOM SEG of a Test page upload.
 */
import { apiURL, IUpload, requestAPI, Schemas, uploadAPI } from '../api';
import { Prediction } from '../models/types';

/** A PACS node of `MassIDEApp.pacs_nodes` (its login is never sent). */
export type IPacsNode = Schemas['PacsNode'];

/** The answer of a connection test: one check per protocol the node has. */
export type IConnectionCheck = Schemas['ConnectionCheck'];

/** What a study search filters by; empty fields match everything. */
export type IStudySearch = Schemas['StudySearch'];

/** A study as the PACS answered it (patient details shown, never stored). */
export type IPacsStudy = Schemas['PacsStudy'];

/** A series of a study; `images` is false for reports, presentation states and the like. */
export type IPacsSeries = Schemas['PacsSeries'];

/** What a retrieval fetches and how its dataset is de-identified. */
export type INewRetrieval = Schemas['NewRetrieval'];

/** A retrieval's progress, as the server reports it. */
export type IRetrieval = Schemas['Retrieval'];

/** Where a retrieval stands. */
export type RetrievalState = IRetrieval['state'];

/** The path of a node's route. */
function nodePath(node: string, rest: string): string {
  return `pacs/nodes/${encodeURIComponent(node)}/${rest}`;
}

/** The path of a project's retrievals. */
function retrievalsPath(projectId: string): string {
  return `projects/${encodeURIComponent(projectId)}/retrievals`;
}

/** The configured PACS nodes. */
export async function listNodes(): Promise<IPacsNode[]> {
  return (await requestAPI<Schemas['PacsNodeList']>('pacs/nodes')).nodes;
}

/** Test the connection to a node: QIDO-RS and/or C-ECHO, each saying what worked or failed. */
export function testConnection(node: string): Promise<IConnectionCheck> {
  return requestAPI<IConnectionCheck>(nodePath(node, 'echo'), { method: 'POST', body: '{}' });
}

/** The node's studies matching `filters`, newest first (the filters travel in the body, never in a URL). */
export async function searchStudies(node: string, filters: IStudySearch): Promise<IPacsStudy[]> {
  const body = JSON.stringify(filters);
  return (await requestAPI<Schemas['PacsStudyList']>(nodePath(node, 'studies/search'), { method: 'POST', body }))
    .studies;
}

/** The series of one study on a node. */
export async function searchSeries(node: string, studyUid: string): Promise<IPacsSeries[]> {
  const body = JSON.stringify({ study_uid: studyUid });
  return (await requestAPI<Schemas['PacsSeriesList']>(nodePath(node, 'series/search'), { method: 'POST', body }))
    .series;
}

/** Start retrieving series into a new de-identified dataset of the project. */
export function startRetrieval(projectId: string, retrieval: INewRetrieval): Promise<IRetrieval> {
  return requestAPI<IRetrieval>(retrievalsPath(projectId), { method: 'POST', body: JSON.stringify(retrieval) });
}

/** The retrievals this server started for the project, newest first. */
export async function listRetrievals(projectId: string): Promise<IRetrieval[]> {
  return (await requestAPI<Schemas['RetrievalList']>(retrievalsPath(projectId))).retrievals;
}

/** Cancel a retrieval: it stops after the instance being fetched and imports nothing. */
export function cancelRetrieval(retrievalId: string): Promise<IRetrieval> {
  return requestAPI<IRetrieval>(`retrievals/${encodeURIComponent(retrievalId)}/cancel`, { method: 'POST' });
}

/** Whether a retrieval is still under way. */
export function isActive(state: RetrievalState): boolean {
  return state === 'fetching' || state === 'importing';
}

/**
 * The answer of a prediction on a PACS series: the model's predictions (a mask for a segmentation, one
 * class each image of the series for a classifier) and the DICOM object written for them.
 */
export type IDicomAnswer = Omit<Schemas['DicomPredictionAnswer'], 'predictions'> & { predictions: Prediction[] };

/** What a DICOM result is: a SEG (segmentation) or an SR (findings), with its series description. */
export type IDicomResult = IDicomAnswer['result'];

/** What a PACS said when a DICOM result was sent to it. */
export type IDicomSent = Schemas['DicomSent'];

/** The path of a prediction's DICOM result route. */
function resultPath(deploymentId: number, predictionId: string, rest: string): string {
  return `deployments/${encodeURIComponent(deploymentId)}/predictions/${encodeURIComponent(predictionId)}/${rest}`;
}

/** Fetch a series from a node, predict on it with a running deployment and write the answer as DICOM (seconds). */
export function predictSeries(deploymentId: number, series: Schemas['PacsPrediction']): Promise<IDicomAnswer> {
  return requestAPI<IDicomAnswer>(`deployments/${encodeURIComponent(deploymentId)}/pacs/predict`, {
    method: 'POST',
    body: JSON.stringify(series)
  });
}

/** Store a prediction's DICOM result on a node (STOW-RS or C-STORE). */
export function sendResult(deploymentId: number, predictionId: string, node: string): Promise<IDicomSent> {
  return requestAPI<IDicomSent>(resultPath(deploymentId, predictionId, 'send'), {
    method: 'POST',
    body: JSON.stringify({ node })
  });
}

/** The URL that downloads a prediction's DICOM result as a Part 10 file (`.dcm`). */
export function resultURL(deploymentId: number, predictionId: string): string {
  return apiURL(resultPath(deploymentId, predictionId, 'dicom'));
}

/**
 * Write a DICOM SEG for a mask predicted from an uploaded zip of a DICOM series (the Test page): the same zip is
 * sent again, and the SEG is built on that series (400 when the mask does not lie on it).
 */
export function writeUploadResult(deploymentId: number, predictionId: string, zip: Blob): IUpload<IDicomResult> {
  return uploadAPI<IDicomResult>(resultPath(deploymentId, predictionId, 'dicom'), zip);
}

/** A worklist for a deployment: the node the series come from, the series, and where to send each result. */
export type INewBatch = Schemas['NewBatch'];

/** A batch of predictions over PACS series, as the server reports it (kept in its memory only). */
export type IBatch = Schemas['Batch'];

/** One series of a batch and how it went. */
export type IBatchItem = IBatch['items'][number];

/** Start predicting on each series of a worklist in turn (each written as a SEG or SR, and sent when asked). */
export function startBatch(deploymentId: number, batch: INewBatch): Promise<IBatch> {
  return requestAPI<IBatch>(`deployments/${encodeURIComponent(deploymentId)}/batches`, {
    method: 'POST',
    body: JSON.stringify(batch)
  });
}

/** The batches this server started for a deployment, newest first. */
export async function listBatches(deploymentId: number): Promise<IBatch[]> {
  return (await requestAPI<Schemas['BatchList']>(`deployments/${encodeURIComponent(deploymentId)}/batches`))
    .batches;
}

/** Cancel a batch: it stops after the series being predicted, and the rest are marked cancelled. */
export function cancelBatch(batchId: string): Promise<IBatch> {
  return requestAPI<IBatch>(`batches/${encodeURIComponent(batchId)}/cancel`, { method: 'POST' });
}
