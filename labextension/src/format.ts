/** How a date from the API reads: a day ("Nov 29, 2026"), a day of this year without the year ("Nov 29"), or a
 * day and time ("Nov 29, 2026, 2:05 PM"). */
export type DateStyle = 'day' | 'short' | 'time';

/** An ISO date-time from the API in local time, in `style`; "—" for none, the text itself when it is no date. */
export function formatDate(iso: string | null | undefined, style: DateStyle = 'day'): string {
  if (!iso) {
    return '—';
  }
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return iso;
  }
  if (style === 'time') {
    return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  }
  const thisYear = date.getFullYear() === new Date().getFullYear();
  return date.toLocaleDateString(undefined, {
    day: 'numeric',
    month: 'short',
    year: style === 'short' && thisYear ? undefined : 'numeric'
  });
}

/** The name shown for a stored class value: its clinical name when the project gives one in `names`. */
export function className(value: string, names?: Record<string, string> | null): string {
  return names?.[value] ?? value;
}

/** "0.09 mL", "12.3 mL", "1,235 mL": a mask volume for people (three significant figures below 100 mL). */
export function formatML(ml: number): string {
  const shown = ml >= 100 ? Math.round(ml).toLocaleString() : String(Number(ml.toPrecision(3)));
  return `${shown} mL`;
}

/** What a model's uncertainty means and how it is computed (shown wherever an uncertainty is). */
export const UNCERTAINTY_HINT =
  'Uncertainty is the entropy of the class probabilities divided by its largest possible value: ' +
  '0 = all probability on one class (sure), 1 = spread evenly over every class (no idea).';

/** A duration for people: "42 s", "3 min 05 s", "1 h 12 min". */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) {
    return `${total} s`;
  }
  const minutes = Math.floor(total / 60);
  if (minutes < 60) {
    return `${minutes} min ${String(total % 60).padStart(2, '0')} s`;
  }
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** A metric value: four significant digits, or "—" when there is none. */
export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return '—';
  }
  if (value !== 0 && Math.abs(value) < 1e-3) {
    return value.toExponential(2);
  }
  if (Math.abs(value) >= 1000) {
    return Math.round(value).toLocaleString();
  }
  return Number.isInteger(value) ? String(value) : value.toPrecision(4).replace(/\.?0+$/, '');
}

/** A score between 0 and 1 (AUC, Dice) to three decimals, or "—". */
export function formatScore(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(3);
}

/** A share (0..1) as a percentage: "87.5%", or "—". */
export function formatShare(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : `${(value * 100).toFixed(1)}%`;
}
