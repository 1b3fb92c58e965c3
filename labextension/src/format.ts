/**
 * An ISO date-time from the API as a local date: "Nov 29, 2026", or with
 * `short`, "Nov 29" for a date of this year.
 */
export function formatDate(iso: string, short = false): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return iso;
  }
  const thisYear = date.getFullYear() === new Date().getFullYear();
  return date.toLocaleDateString(undefined, {
    day: 'numeric',
    month: 'short',
    year: short && thisYear ? undefined : 'numeric'
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
