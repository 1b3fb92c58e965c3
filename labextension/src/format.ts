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
