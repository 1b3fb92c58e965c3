import React from 'react';

import { IHistogram } from './types';

/*
 * Small inline SVG charts. Their colours come from CSS classes that use
 * JupyterLab's theme variables (see style/base.css), so they follow the
 * light and dark themes.
 */

/** One bar of a bar list. */
export interface IBar {
  label: string;
  value: number;
  /** What the value says, e.g. "3 (12%)"; the value itself when missing. */
  text?: string;
}

const ROW_HEIGHT = 20;
const BAR_HEIGHT = 12;
const LABEL_WIDTH = 120;
const TEXT_WIDTH = 72;
const LABEL_CHARS = 18;

/** A label cut to fit, with an ellipsis. */
function fit(label: string, chars = LABEL_CHARS): string {
  return label.length > chars ? `${label.slice(0, chars - 1)}…` : label;
}

/** A compact number for an axis: 12, 1.5, 2.3k, -0.004. */
export function shortNumber(value: number): string {
  const size = Math.abs(value);
  if (size >= 10_000) {
    return `${(value / 1000).toFixed(size >= 100_000 ? 0 : 1)}k`;
  }
  if (size >= 100 || Number.isInteger(value)) {
    return value.toFixed(0);
  }
  return value.toPrecision(size >= 1 ? 3 : 2);
}

/**
 * Horizontal bars, one a row: label, bar against a track, value. `max` is
 * the value of a full bar (the largest value when missing); bars in
 * `warn` draw in the warning colour when their value is above zero.
 */
export function BarList(props: {
  bars: IBar[];
  max?: number;
  width?: number;
  warn?: boolean;
  title: string;
}): JSX.Element {
  const { bars, warn, title } = props;
  const width = props.width ?? 360;
  const max = props.max ?? Math.max(1, ...bars.map(bar => bar.value));
  const track = width - LABEL_WIDTH - TEXT_WIDTH;
  return (
    <svg
      className="mass-Chart mass-BarList"
      role="img"
      aria-label={title}
      width={width}
      height={bars.length * ROW_HEIGHT}
      viewBox={`0 0 ${width} ${bars.length * ROW_HEIGHT}`}
    >
      <title>{title}</title>
      {bars.map((bar, row) => {
        const y = row * ROW_HEIGHT;
        const filled = max > 0 ? Math.max(bar.value > 0 ? 2 : 0, (bar.value / max) * track) : 0;
        const barClass = `mass-Chart-bar${warn && bar.value > 0 ? ' mass-mod-warn' : ''}`;
        return (
          <g key={`${row}-${bar.label}`}>
            <title>{`${bar.label}: ${bar.text ?? bar.value}`}</title>
            <text className="mass-Chart-label" x={LABEL_WIDTH - 8} y={y + ROW_HEIGHT / 2} textAnchor="end">
              {fit(bar.label)}
            </text>
            <rect
              className="mass-Chart-track"
              x={LABEL_WIDTH}
              y={y + (ROW_HEIGHT - BAR_HEIGHT) / 2}
              width={track}
              height={BAR_HEIGHT}
              rx={2}
            />
            <rect
              className={barClass}
              x={LABEL_WIDTH}
              y={y + (ROW_HEIGHT - BAR_HEIGHT) / 2}
              width={filled}
              height={BAR_HEIGHT}
              rx={2}
            />
            <text className="mass-Chart-value" x={LABEL_WIDTH + track + 6} y={y + ROW_HEIGHT / 2}>
              {bar.text ?? bar.value.toLocaleString()}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

const HIST_HEIGHT = 64;
const HIST_AXIS = 16;

/** A histogram: one column a bin, with the lowest and highest edge beneath. */
export function Histogram(props: { histogram: IHistogram; title: string; width?: number }): JSX.Element {
  const { histogram, title } = props;
  const width = props.width ?? 220;
  const { counts, edges } = histogram;
  const max = Math.max(1, ...counts);
  const column = counts.length > 0 ? width / counts.length : width;
  return (
    <svg
      className="mass-Chart mass-Histogram"
      role="img"
      aria-label={title}
      width={width}
      height={HIST_HEIGHT + HIST_AXIS}
      viewBox={`0 0 ${width} ${HIST_HEIGHT + HIST_AXIS}`}
    >
      <title>{title}</title>
      {counts.map((count, bin) => {
        const height = count > 0 ? Math.max(1.5, (count / max) * (HIST_HEIGHT - 4)) : 0;
        const low = edges[bin];
        const high = edges[bin + 1];
        return (
          <g key={bin}>
            <title>{`${shortNumber(low)} – ${shortNumber(high)}: ${count.toLocaleString()}`}</title>
            <rect className="mass-Chart-hit" x={bin * column} y={0} width={column} height={HIST_HEIGHT} />
            <rect
              className="mass-Chart-bar"
              x={bin * column + 1}
              y={HIST_HEIGHT - height}
              width={Math.max(1, column - 2)}
              height={height}
              rx={1}
            />
          </g>
        );
      })}
      <line className="mass-Chart-axis" x1={0} x2={width} y1={HIST_HEIGHT + 0.5} y2={HIST_HEIGHT + 0.5} />
      {edges.length > 1 && (
        <>
          <text className="mass-Chart-tick" x={0} y={HIST_HEIGHT + 12}>
            {shortNumber(edges[0])}
          </text>
          <text className="mass-Chart-tick" x={width} y={HIST_HEIGHT + 12} textAnchor="end">
            {shortNumber(edges[edges.length - 1])}
          </text>
        </>
      )}
    </svg>
  );
}

/** A thin progress bar: `value` of `max`, with an accessible label. */
export function ProgressBar(props: { value: number; max: number; label: string; busy?: boolean }): JSX.Element {
  const { value, max, label, busy } = props;
  const percent = max > 0 ? Math.min(100, (value / max) * 100) : 0;
  return (
    <div
      className={`mass-Progress${busy ? ' mass-mod-busy' : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={max}
      aria-valuenow={busy ? undefined : value}
    >
      <div className="mass-Progress-fill" style={{ width: busy ? undefined : `${percent}%` }} />
    </div>
  );
}
