import type { Data } from 'plotly.js';

import { IMetric } from './types';

/** The learning rate's metric: logged at each epoch's first step and whenever it changes. */
export const LEARNING_RATE = 'train/lr';

/** The metrics named `train/…` are logged per step; the others (`val/…`) per epoch. */
export function isPerStep(name: string): boolean {
  return name.startsWith('train/');
}

/** The x axis a metric is drawn against. */
export function xTitle(name: string): string {
  return isPerStep(name) ? 'step' : 'epoch';
}

/** Points to draw: x (steps or epochs) and y. */
export interface ISeries {
  x: number[];
  y: number[];
}

/** What one metric logged, in order. */
interface ILogged {
  steps: (number | null)[];
  epochs: (number | null)[];
  values: number[];
}

/** Metrics grouped by name. */
export class MetricSeries {
  /** Add metrics, oldest first. */
  add(metrics: readonly IMetric[]): void {
    for (const metric of metrics) {
      let logged = this._logged.get(metric.name);
      if (!logged) {
        logged = { steps: [], epochs: [], values: [] };
        this._logged.set(metric.name, logged);
      }
      logged.steps.push(metric.step);
      logged.epochs.push(metric.epoch);
      logged.values.push(metric.value);
    }
    this._version += 1;
  }

  /**
   * The points of one metric against its steps or epochs (by default the
   * metric's own axis, see `isPerStep`); points without that axis are left out.
   */
  get(name: string, axis: 'step' | 'epoch' = isPerStep(name) ? 'step' : 'epoch'): ISeries {
    const logged = this._logged.get(name);
    const series: ISeries = { x: [], y: [] };
    if (logged) {
      const xs = axis === 'step' ? logged.steps : logged.epochs;
      xs.forEach((x, index) => {
        if (x !== null) {
          series.x.push(x);
          series.y.push(logged.values[index]);
        }
      });
    }
    return series;
  }

  /** The names of the metrics logged, sorted. */
  get names(): string[] {
    return Array.from(this._logged.keys()).sort();
  }

  /** Grows with every `add`: a cheap key for memoised charts. */
  get version(): number {
    return this._version;
  }

  private _logged = new Map<string, ILogged>();
  private _version = 0;
}

/**
 * A line trace of a series; `steps` holds each value until the next point (for
 * a value logged only when it changes, such as the learning rate).
 */
export function lineTrace(
  name: string,
  series: ISeries,
  options: { markers?: boolean; width?: number; colour?: string; steps?: boolean } = {}
): Data {
  return {
    type: 'scatter',
    mode: options.markers || series.x.length === 1 ? 'lines+markers' : 'lines',
    name,
    x: series.x,
    y: series.y,
    line: { width: options.width ?? 2, color: options.colour, shape: options.steps ? 'hv' : 'linear' },
    marker: { size: 5, color: options.colour }
  };
}

/** What a metric is called on a chart: "val/auc" → "auc", "train/loss" → "loss". */
export function shortName(name: string): string {
  const slash = name.indexOf('/');
  return slash >= 0 ? name.slice(slash + 1).replace(/_/g, ' ') : name;
}

/**
 * The three charts of a training run: the loss (training per step, validation
 * at each epoch's last step), the validation metrics per epoch, and the
 * learning rate per step.
 */
export function trainingCurves(series: MetricSeries): { loss: Data[]; validation: Data[]; learningRate: Data[] } {
  const loss: Data[] = [lineTrace('training loss', series.get('train/loss'), { width: 1.5 })];
  // Validation metrics are logged with the step they followed: draw the loss against it.
  const valLoss = series.get('val/loss', 'step');
  if (valLoss.x.length > 0) {
    loss.push(lineTrace('validation loss', valLoss, { markers: true }));
  }
  const validation = series.names
    .filter(name => !isPerStep(name) && name !== 'val/loss')
    .map(name => lineTrace(shortName(name), series.get(name), { markers: true }));
  const learningRate = [lineTrace('learning rate', series.get(LEARNING_RATE), { width: 1.5, steps: true })];
  return { loss, validation, learningRate };
}
