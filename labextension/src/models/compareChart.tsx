import React from 'react';

import { Chart } from '../shared/chart';
import { IVersionSummary } from './types';

/** Whether a value is a score between 0 and 1 (or missing). */
function isScore(value: number | null | undefined): boolean {
  return value === null || value === undefined || (value >= 0 && value <= 1);
}

/**
 * The metrics of several versions side by side: a grouped bar chart, one
 * bar group per metric, one colour per version. Only scores between 0 and 1
 * are drawn when there are any (a loss or a case count would dwarf them).
 */
export function VersionComparison({ versions }: { versions: IVersionSummary[] }): JSX.Element {
  const names = Array.from(new Set(versions.flatMap(version => Object.keys(version.metrics)))).sort();
  const scores = names.filter(name => versions.every(version => isScore(version.metrics[name])));
  const shown = scores.length ? scores : names;
  const traces = versions.map(version => ({
    type: 'bar' as const,
    name: `v${version.number}`,
    x: shown,
    y: shown.map(name => version.metrics[name] ?? null),
    hovertemplate: `v${version.number} · %{x}: %{y:.4g}<extra></extra>`
  }));
  return (
    <figure className="mass-ChartCard mass-VersionComparison">
      <figcaption>Metrics of {versions.map(version => `v${version.number}`).join(', ')}</figcaption>
      <Chart name="version-metrics" traces={traces} yTitle="value" height={260} layout={{ barmode: 'group' }} />
    </figure>
  );
}
