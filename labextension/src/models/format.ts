import { apiURL } from '../api';
import { formatScore, formatValue } from '../format';
import { IColumn, IDeployment, Metrics } from './types';

/** A latency in milliseconds: "12.3 ms", or "—" before the first request. */
export function formatLatency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) {
    return '—';
  }
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** The full URL of a deployment's predict route on this server (the API answers it relative to its root). */
export function predictURL(deployment: Pick<IDeployment, 'url'>): string {
  const url = deployment.url;
  const absolute = /^https?:\/\//.test(url) ? url : url.startsWith('/') ? url : apiURL(url);
  return new URL(absolute, window.location.href).href;
}

/** A metric value for a tile: scores between 0 and 1 to three decimals, others to four digits. */
export function formatMetric(value: number | null | undefined): string {
  return typeof value === 'number' && value >= 0 && value <= 1 ? formatScore(value) : formatValue(value);
}

/** The metrics worth a tile: validation metrics first, losses last, at most `count`. */
export function keyMetrics(metrics: Metrics, count = 6): [string, number | null][] {
  const weight = (name: string): number => (name.includes('loss') ? 2 : name.startsWith('val') ? 0 : 1);
  return Object.entries(metrics)
    .filter(([, value]) => value === null || typeof value === 'number')
    .sort(([a], [b]) => weight(a) - weight(b) || a.localeCompare(b))
    .slice(0, count);
}

/** The range of a lab value in the training data, e.g. "0.3 – 28 mg/dL", or "". */
export function columnRange(column: IColumn): string {
  if (column.min === null || column.max === null) {
    return '';
  }
  return `${formatValue(column.min)} – ${formatValue(column.max)}${column.unit ? ` ${column.unit}` : ''}`;
}
