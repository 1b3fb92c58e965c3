import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import type { components } from './apiTypes';

/** The schemas of the REST API, generated from its OpenAPI document (`jlpm build:api`). */
export type Schemas = components['schemas'];

/**
 * A frontend type that refines a schema left free-form (an object whose fields the schema does not
 * list): `T` itself, and a compile error when `T` no longer fits the schema `S`.
 */
export type Refines<T extends S, S> = T;

/** A project template, as `GET templates` lists it. */
export type ITemplate = Schemas['Template'];

/** A project, as `GET projects` lists it (`path` and `notebook` are null outside the server root). */
export type IProject = Schemas['Project'];

/** A project with what it holds, as `GET projects/{id}` returns it. */
export type IProjectDetail = Schemas['ProjectDetail'];

/** The lists a project holds, as `GET projects/{id}` returns them. */
export type SectionKey = Extract<keyof IProjectDetail, 'datasets' | 'runs' | 'models' | 'deployments'>;

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

/** The URL of a Mass IDE API end point, e.g. for an `<img>` or a download link. */
export function apiURL(endPoint: string): string {
  return URLExt.join(ServerConnection.makeSettings().baseUrl, 'mass-ide/api', endPoint);
}

/**
 * Decode an API answer: its JSON body (null when empty), or an `APIError`
 * carrying the server's `message` for a 4xx or 5xx.
 */
function decodeAnswer<T>(status: number, statusText: string, text: string): T {
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      // A page (such as Jupyter's HTML 404) says nothing a user can act on.
      body = text.trimStart().startsWith('<') ? null : { message: text };
    }
  }
  if (status < 200 || status >= 300) {
    throw new APIError(messageOf(body) ?? `${status} ${statusText}`.trim(), status);
  }
  return body as T;
}

/**
 * Call the Mass IDE REST API at `{base_url}mass-ide/api/{endPoint}` with the
 * Jupyter credentials (token and XSRF), and return its decoded JSON body
 * (null for an empty answer). A JSON body is sent as JSON, a `FormData` as
 * multipart. A 4xx or 5xx answer throws an `APIError`
 * carrying the server's `message`.
 */
export async function requestAPI<T>(endPoint: string, init: RequestInit = {}): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'mass-ide/api', endPoint);
  // A form (a file upload) sets its own multipart content type.
  if (init.body !== undefined && !(init.body instanceof FormData)) {
    init = { ...init, headers: { 'Content-Type': 'application/json', ...init.headers } };
  }
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }
  return decodeAnswer<T>(response.status, response.statusText, await response.text());
}

/** Thrown by an upload that was cancelled. */
export class UploadCancelled extends Error {
  constructor() {
    super('The upload was cancelled.');
    this.name = 'UploadCancelled';
  }
}

/** An upload in flight. */
export interface IUpload<T> {
  /**
   * The decoded JSON answer; rejects with an `APIError`, a
   * `ServerConnection.NetworkError` or `UploadCancelled`.
   */
  readonly done: Promise<T>;
  /** Abort the upload: `done` rejects with `UploadCancelled`. */
  cancel(): void;
}

/** The last value of a cookie (tornado reads the last of duplicates too). */
function cookie(name: string): string | undefined {
  let found: string | undefined;
  for (const part of document.cookie.split(';')) {
    const trimmed = part.trim();
    if (trimmed.startsWith(`${name}=`)) {
      found = trimmed.slice(name.length + 1);
    }
  }
  return found;
}

/**
 * POST a file's raw bytes to the Mass IDE API as `requestAPI` would (Jupyter
 * token and XSRF), with an `XMLHttpRequest` so that `onProgress` hears how
 * many bytes went out. The body is sent as `application/octet-stream`.
 */
export function uploadAPI<T>(
  endPoint: string,
  file: Blob,
  onProgress?: (loaded: number, total: number) => void
): IUpload<T> {
  const settings = ServerConnection.makeSettings();
  const xhr = new XMLHttpRequest();
  const done = new Promise<T>((resolve, reject) => {
    xhr.open('POST', URLExt.join(settings.baseUrl, 'mass-ide/api', endPoint));
    xhr.withCredentials = settings.init.credentials === 'include';
    if (settings.token) {
      xhr.setRequestHeader('Authorization', `token ${settings.token}`);
    }
    const xsrf = cookie('_xsrf');
    if (xsrf !== undefined) {
      xhr.setRequestHeader('X-XSRFToken', xsrf);
    }
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.upload.onprogress = event => onProgress?.(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onload = () => {
      try {
        resolve(decodeAnswer<T>(xhr.status, xhr.statusText, xhr.responseText));
      } catch (error) {
        reject(error);
      }
    };
    xhr.onerror = () => reject(new ServerConnection.NetworkError(new TypeError('The upload failed: no answer from the server.')));
    xhr.onabort = () => reject(new UploadCancelled());
    xhr.send(file);
  });
  return { done, cancel: () => xhr.abort() };
}

/** The message of any error, for a dialog. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
