import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from '../api';
import {
  IEstimateRequest,
  IMetric,
  IMetricPage,
  INewRun,
  INewStudy,
  IRun,
  IRunEstimate,
  IRunOptions,
  IStudy,
  Preset,
  TrainingConfig
} from './types';

/** The path of a project route. */
function projectPath(projectId: string, rest: string): string {
  return `projects/${encodeURIComponent(projectId)}/${rest}`;
}

/** The path of a run route. */
function runPath(runId: number, rest = ''): string {
  return `runs/${encodeURIComponent(runId)}${rest}`;
}

/** The project's training configuration with a preset's changes (full: its config.json as it is). */
export function getProjectConfig(projectId: string, preset: Preset = 'full'): Promise<TrainingConfig> {
  return requestAPI<TrainingConfig>(projectPath(projectId, `config${URLExt.objectToQueryString({ preset })}`));
}

/** What the Train form starts from: datasets with labelled counts, presets, the defaults. */
export function getRunOptions(projectId: string): Promise<IRunOptions> {
  return requestAPI<IRunOptions>(projectPath(projectId, 'runs/options'));
}

/** How long a run would take; nothing is queued. */
export function estimateRun(projectId: string, request: IEstimateRequest): Promise<IRunEstimate> {
  return requestAPI<IRunEstimate>(projectPath(projectId, 'runs/estimate'), {
    method: 'POST',
    body: JSON.stringify(request)
  });
}

/** The project's runs, newest first. */
export async function listRuns(projectId: string): Promise<IRun[]> {
  return (await requestAPI<{ runs: IRun[] }>(projectPath(projectId, 'runs'))).runs;
}

/** One run with the tail of its log. */
export function getRun(runId: number): Promise<IRun> {
  return requestAPI<IRun>(runPath(runId));
}

/** Queue a run; it trains as soon as its device is free. */
export function startRun(projectId: string, request: INewRun): Promise<IRun> {
  return requestAPI<IRun>(projectPath(projectId, 'runs'), { method: 'POST', body: JSON.stringify(request) });
}

/** Cancel a queued run, or stop a running one after its current step. */
export function cancelRun(runId: number): Promise<IRun> {
  return requestAPI<IRun>(runPath(runId, '/cancel'), { method: 'POST' });
}

/** Queue a stopped run again from its last checkpoint. */
export function resumeRun(runId: number): Promise<IRun> {
  return requestAPI<IRun>(runPath(runId, '/resume'), { method: 'POST' });
}

/**
 * Every metric of a run logged after the cursor `since`, oldest first, read
 * page after page; `last` is the cursor for what comes next.
 */
export async function metricsSince(runId: number, since = 0): Promise<IMetricPage> {
  const metrics: IMetric[] = [];
  let last = since;
  for (;;) {
    const page = await requestAPI<IMetricPage>(runPath(runId, `/metrics${URLExt.objectToQueryString({ since: last })}`));
    if (page.metrics.length === 0) {
      return { metrics, last };
    }
    metrics.push(...page.metrics);
    last = page.last;
  }
}

/**
 * Open the live stream of a run's metrics from the cursor `since`, with the
 * Jupyter credentials: the login cookie, and the token in the URL where
 * JupyterLab's own websockets put it there (`settings.appendToken`).
 */
export function openRunStream(runId: number, since: number): WebSocket {
  const settings = ServerConnection.makeSettings();
  const query: Record<string, string | number> = { since };
  if (settings.appendToken && settings.token) {
    query.token = settings.token;
  }
  const url = URLExt.join(settings.wsUrl, 'mass-ide/api/runs', String(runId), 'stream');
  return new settings.WebSocket(`${url}${URLExt.objectToQueryString(query)}`);
}

/** Start an automatic tuning study; its trials run one after another. */
export function startStudy(projectId: string, request: INewStudy): Promise<IStudy> {
  return requestAPI<IStudy>(projectPath(projectId, 'studies'), { method: 'POST', body: JSON.stringify(request) });
}

/** A study with its trials. */
export function getStudy(studyId: number): Promise<IStudy> {
  return requestAPI<IStudy>(`studies/${encodeURIComponent(studyId)}`);
}

/** Queue a normal run with the study's best configuration. */
export function promoteStudy(studyId: number): Promise<IRun> {
  return requestAPI<IRun>(`studies/${encodeURIComponent(studyId)}/promote`, { method: 'POST' });
}

/** Stop a running study: no more trials; its queued and running trials are cancelled, finished ones stay. */
export function stopStudy(studyId: number): Promise<IStudy> {
  return requestAPI<IStudy>(`studies/${encodeURIComponent(studyId)}/stop`, { method: 'POST' });
}
