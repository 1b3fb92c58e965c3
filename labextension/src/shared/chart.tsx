import { IThemeManager } from '@jupyterlab/apputils';
import { ISignal, Signal } from '@lumino/signaling';
import type { Config, Data, Layout, LayoutAxis } from 'plotly.js';
import React, { useEffect, useRef } from 'react';

import { useSignal } from './hooks';

/** The Plotly API (of the basic bundle: scatter, bar and pie traces). */
type PlotlyAPI = typeof import('plotly.js');

let plotly: Promise<PlotlyAPI> | null = null;

/** Plotly, loaded on first use (a chunk of its own, so that JupyterLab starts without it). */
function loadPlotly(): Promise<PlotlyAPI> {
  if (!plotly) {
    plotly = import('plotly.js-basic-dist-min').then(module => {
      const withDefault = module as PlotlyAPI & { default?: PlotlyAPI };
      return withDefault.default ?? withDefault;
    });
  }
  return plotly;
}

/** Tells the charts when JupyterLab's theme changed, so that they read its colours again. */
class ChartTheme {
  /** Emitted after a new theme's CSS applies. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Follow a theme manager's changes. */
  follow(manager: IThemeManager): void {
    manager.themeChanged.connect(() => requestAnimationFrame(() => this._changed.emit()));
  }

  private _changed = new Signal<this, void>(this);
}

/** The one `ChartTheme` of this page. */
export const chartTheme = new ChartTheme();

/** A CSS variable of the current theme, read from the page. */
export function themeVar(name: string, fallback = ''): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

/** The trace colours, in order: the theme's brand, warning, success, error and info colours, then lighter ones. */
export function themeColours(): string[] {
  return [
    '--jp-brand-color1',
    '--jp-warn-color1',
    '--jp-success-color1',
    '--jp-error-color1',
    '--jp-info-color1',
    '--jp-brand-color3',
    '--jp-warn-color3',
    '--jp-success-color3',
    '--jp-error-color3',
    '--jp-info-color3'
  ].map(name => themeVar(name, '#888'));
}

/** A colour of the theme made translucent, for fills: "#1976d2" → "rgba(25, 118, 210, 0.2)". */
export function translucent(colour: string, alpha: number): string {
  const hex = /^#([0-9a-f]{6})$/i.exec(colour.trim());
  if (!hex) {
    return 'rgba(128, 128, 128, 0.15)';
  }
  const value = parseInt(hex[1], 16);
  return `rgba(${(value >> 16) & 255}, ${(value >> 8) & 255}, ${value & 255}, ${alpha})`;
}

/** Axis styles in the theme's colours. */
function axis(title: string | undefined, overrides: Partial<LayoutAxis> | undefined): Partial<LayoutAxis> {
  const grid = themeVar('--jp-border-color2', '#ddd');
  return {
    title: title ? { text: title, standoff: 8 } : undefined,
    gridcolor: grid,
    zerolinecolor: grid,
    linecolor: themeVar('--jp-border-color1', '#bbb'),
    tickcolor: themeVar('--jp-border-color1', '#bbb'),
    automargin: true,
    ...overrides
  };
}

/** What a chart draws: its traces, axis titles and any layout of its own. */
export interface IChartProps {
  /** Names the chart's element (`data-chart`), e.g. for tests. */
  name: string;
  traces: Data[];
  xTitle?: string;
  yTitle?: string;
  /** Extra x and y axis settings, e.g. a fixed range. */
  xAxis?: Partial<LayoutAxis>;
  yAxis?: Partial<LayoutAxis>;
  /** Extra layout, e.g. shapes. */
  layout?: Partial<Layout>;
  /** The chart's height in pixels. */
  height?: number;
}

/** Whether no trace has a point to draw. */
export function isEmpty(traces: Data[]): boolean {
  return traces.every(trace => !('x' in trace) || !trace.x || trace.x.length === 0);
}

/** The layout of a chart in the current theme's font and colours (without axes while it has no point). */
function themedLayout(props: IChartProps): Partial<Layout> {
  const fontColour = themeVar('--jp-ui-font-color1', '#333');
  const visible = !isEmpty(props.traces);
  return {
    autosize: true,
    height: props.height ?? 240,
    margin: { l: 8, r: 8, t: 8, b: 8 },
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: {
      family: themeVar('--jp-ui-font-family', 'sans-serif'),
      size: parseInt(themeVar('--jp-ui-font-size0', '11px'), 10) || 11,
      color: fontColour
    },
    colorway: themeColours(),
    xaxis: { ...axis(props.xTitle, props.xAxis), visible },
    yaxis: { ...axis(props.yTitle, props.yAxis), visible },
    legend: { orientation: 'h', x: 0, y: 1, yanchor: 'bottom', bgcolor: 'rgba(0,0,0,0)' },
    hovermode: 'closest',
    hoverlabel: {
      bgcolor: themeVar('--jp-layout-color0', '#fff'),
      bordercolor: themeVar('--jp-border-color1', '#bbb'),
      font: { color: fontColour }
    },
    showlegend: props.traces.length > 1,
    ...props.layout
  };
}

const CONFIG: Partial<Config> = {
  displaylogo: false,
  displayModeBar: 'hover',
  modeBarButtonsToRemove: ['select2d', 'lasso2d', 'toImage'],
  responsive: false
};

/**
 * A Plotly chart (class `mass-Chart`, its element Plotly's graph div) that
 * redraws when its traces change, follows JupyterLab's theme and resizes
 * with its panel.
 */
export function Chart(props: IChartProps): JSX.Element {
  const graph = useRef<HTMLDivElement>(null);
  const theme = useSignal(chartTheme.changed);

  useEffect(() => {
    let live = true;
    void loadPlotly().then(Plotly => {
      if (live && graph.current) {
        void Plotly.react(graph.current, props.traces, themedLayout(props), CONFIG);
      }
    });
    return () => {
      live = false;
    };
  }, [props, theme]);

  useEffect(() => {
    const node = graph.current;
    if (!node) {
      return;
    }
    let frame = 0;
    // A hidden tab has no size: redraw at the size its panel has when shown.
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        if (node.offsetWidth > 0 && node.classList.contains('js-plotly-plot')) {
          void loadPlotly().then(Plotly => Plotly.Plots.resize(node));
        }
      });
    });
    observer.observe(node);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
      void loadPlotly().then(Plotly => Plotly.purge(node));
    };
  }, []);

  return <div ref={graph} className="mass-Chart" data-chart={props.name} style={{ height: props.height ?? 240 }} />;
}
