import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** A project template, as `GET templates` lists it. */
export interface ITemplate {
  name: string;
  title: string;
  description: string;
  task: string;
  modality: string;
  notebook: string;
}

/** A project, as `GET projects` lists it. */
export interface IProject {
  id: string;
  name: string;
  template: string;
  created_at: string;
  created_by: string;
  /** The project folder relative to the server root, or null when outside it. */
  path: string | null;
  /** The project notebook relative to the server root, or null when outside it. */
  notebook: string | null;
}

/** A project with what it holds, as `GET projects/{id}` returns it. */
export interface IProjectDetail extends IProject {
  datasets: unknown[];
  runs: unknown[];
  models: unknown[];
  deployments: unknown[];
}

/** An error answered by the Mass IDE API: its message says what to fix. */
export class APIError extends Error {
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message);
  }
}

/**
 * Call the Mass IDE REST API (`{base_url}mass-ide/api/{endPoint}`) with the
 * Jupyter credentials, and return its decoded JSON body.
 */
export async function requestAPI<T>(endPoint: string, init: RequestInit = {}): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'mass-ide/api', endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }
  const text = await response.text();
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = { message: text };
    }
  }
  if (!response.ok) {
    const message = (body as { message?: string } | null)?.message ?? response.statusText;
    throw new APIError(message, response.status);
  }
  return body as T;
}

/** The message of any error, for a dialog. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
