import { formatValue } from '../format';
import { IBestMetric, IMetric, IRun } from './types';

/** A run's best metric, e.g. "val/auc 0.8123 (epoch 7)", or an empty string. */
export function formatBest(best: IBestMetric | null | undefined, withEpoch = true): string {
  if (!best) {
    return '';
  }
  return `${best.name} ${formatValue(best.value)}${withEpoch ? ` (epoch ${best.epoch})` : ''}`;
}

/** A run's title: "Run 12", or "Run 12 · trial 3" for a tuning trial. */
export function runTitle(run: Pick<IRun, 'id' | 'trial_number' | 'study_id'>): string {
  return run.study_id != null && run.trial_number != null
    ? `Run ${run.id} · trial ${run.trial_number + 1}`
    : `Run ${run.id}`;
}

/** Seconds since the epoch of an ISO date-time, or null. */
function seconds(iso: string | null): number | null {
  const time = iso ? new Date(iso).getTime() : NaN;
  return Number.isNaN(time) ? null : time / 1000;
}

/** How long a run has trained and how long it should still take. */
export interface ITiming {
  /** Seconds since it started (until it finished), or null before it starts. */
  elapsed: number | null;
  /** Seconds it should still take, or null when unknown or ended. */
  eta: number | null;
}

/**
 * A run's elapsed time and its expected time left. The rate counts only the
 * epochs that ended since `started_at` (a resumed run restarts its clock),
 * each known by the time of its last validation metric.
 */
export function runTiming(run: IRun, metrics: readonly IMetric[], now: number): ITiming {
  const started = seconds(run.started_at);
  if (started === null || run.status === 'queued') {
    return { elapsed: null, eta: null };
  }
  const finished = run.status === 'running' || run.status === 'cancelling' ? null : seconds(run.finished_at);
  const elapsed = (finished ?? now) - started;
  const done = run.epochs_done ?? 0;
  const total = run.epochs_total ?? 0;
  if (finished !== null || total <= done) {
    return { elapsed, eta: null };
  }
  const epochEnds = new Map<number, number>();
  for (const metric of metrics) {
    if (metric.name.startsWith('val/') && metric.epoch !== null && metric.at >= started) {
      epochEnds.set(metric.epoch, Math.max(metric.at, epochEnds.get(metric.epoch) ?? 0));
    }
  }
  const ends = Array.from(epochEnds.values());
  if (ends.length === 0) {
    return { elapsed, eta: null };
  }
  // From the second epoch on, the time between epoch ends leaves the start-up (imports, data) out.
  const lastEnd = Math.max(...ends);
  const firstEnd = Math.min(...ends);
  const perEpoch = ends.length > 1 ? (lastEnd - firstEnd) / (ends.length - 1) : lastEnd - started;
  return { elapsed, eta: Math.max(0, perEpoch * (total - done) - (now - lastEnd)) };
}
