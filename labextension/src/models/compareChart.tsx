import React from 'react';

import { Chart } from '../training/chart';
import { IVersionSummary } from './types';

/**
 * The metrics of several versions side by side: a grouped bar chart, one
 * bar group per metric, one colour per version (losses on their own axis
 * would dwarf scores, so they are left out when there are scores).
 */
export function VersionComparison({ versions }: { versions: IVersionSummary[] }): JSX.Element {
  const names = Array.from(new Set(versions.flatMap(version => Object.keys(version.metrics)))).sort();
  const scores = names.filter(name => !name.includes('loss'));
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
      <figcaption>
        Metrics of {versions.map(version => `v${version.number}`).join(', ')}
      </figcaption>
      <Chart name="version-metrics" traces={traces} yTitle="value" height={260} layout={{ barmode: 'group' }} />
    </figure>
  );
}
