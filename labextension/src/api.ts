import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** A project template, as `GET templates` lists it. */
export interface ITemplate {
  name: string;
  title: string;
  description: string;
  task: string;
  modality: string;
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

/** The lists a project holds, as `GET projects/{id}` returns them. */
export type SectionKey = 'datasets' | 'runs' | 'models' | 'deployments';

/** A project with what it holds, as `GET projects/{id}` returns it. */
export type IProjectDetail = IProject & Record<SectionKey, unknown[]>;

/** An error answered by the Mass IDE API: its message says what to fix. */
export class APIError extends Error {
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message);
    this.name = 'APIError';
  }
}

/** The `message` of a JSON error body, if it has one. */
function messageOf(body: unknown): string | undefined {
  if (typeof body === 'object' && body !== null && 'message' in body) {
    const { message } = body as { message: unknown };
    return typeof message === 'string' && message ? message : undefined;
  }
  return undefined;
}

/**
 * Call the Mass IDE REST API at `{base_url}mass-ide/api/{endPoint}` with the
 * Jupyter credentials (token and XSRF), and return its decoded JSON body
 * (null for an empty answer). A 4xx or 5xx answer throws an `APIError`
 * carrying the server's `message`.
 */
export async function requestAPI<T>(endPoint: string, init: RequestInit = {}): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'mass-ide/api', endPoint);
  if (init.body !== undefined) {
    init = { ...init, headers: { 'Content-Type': 'application/json', ...init.headers } };
  }
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
    throw new APIError(messageOf(body) ?? `${response.status} ${response.statusText}`, response.status);
  }
  return body as T;
}

/** The message of any error, for a dialog. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
