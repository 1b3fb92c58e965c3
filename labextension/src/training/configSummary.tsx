import React from 'react';

import { flatten, formatConfigValue } from './config';
import { TrainingConfig } from './types';

/** A run's whole configuration, folded: one row per setting. */
export function ConfigSummary({ config }: { config: TrainingConfig }): JSX.Element {
  const rows = Array.from(flatten(config));
  return (
    <details className="mass-RunSection mass-ConfigSummary">
      <summary className="mass-RunSection-title">Configuration</summary>
      <dl className="mass-ConfigSummary-list">
        {rows.map(([path, value]) => (
          <React.Fragment key={path}>
            <dt>{path}</dt>
            <dd>{formatConfigValue(value)}</dd>
          </React.Fragment>
        ))}
      </dl>
    </details>
  );
}
