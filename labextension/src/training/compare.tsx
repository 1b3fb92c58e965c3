import { ReactWidget } from '@jupyterlab/apputils';
import { CommandRegistry } from '@lumino/commands';
import { ISignal, Signal } from '@lumino/signaling';
import type { Data } from 'plotly.js';
import React, { useEffect, useState } from 'react';

import { errorMessage } from '../api';
import { CommandIDs } from '../commandIds';
import { ProjectsModel } from '../model';
import { Chart, chartTheme, themeColours } from '../shared/chart';
import { metricsSince } from './client';
import { isPerStep, LEARNING_RATE, lineTrace, MetricSeries, xTitle } from './curves';
import { runTitle } from './format';
import { useSignal } from '../shared/hooks';
import { RunRow, useProjectRuns } from './runList';
import { IRun, isActive } from './types';

/** How many runs are picked when none is given. */
const DEFAULT_PICKS = 3;

/** The metrics of the runs being compared, fetched once each and followed while a run is active. */
class MetricCache {
  /** The series of a run, or undefined until fetched. */
  get(runId: number): MetricSeries | undefined {
    return this._entries.get(runId)?.series;
  }

  /**
   * Fetch what is missing: every metric of a run not fetched yet, and the new
   * metrics of one that was active. Resolves to whether anything arrived.
   */
  async update(runs: readonly IRun[]): Promise<boolean> {
    let grew = false;
    await Promise.all(
      runs.map(async run => {
        let entry = this._entries.get(run.id);
        if (entry && !entry.following) {
          return;
        }
        if (!entry) {
          entry = { series: new MetricSeries(), last: 0, following: true };
          this._entries.set(run.id, entry);
        }
        entry.following = isActive(run.status);
        const page = await metricsSince(run.id, entry.last);
        if (page.metrics.length > 0) {
          entry.series.add(page.metrics);
          entry.last = page.last;
          grew = true;
        }
      })
    );
    return grew;
  }

  private _entries = new Map<number, { series: MetricSeries; last: number; following: boolean }>();
}

/** The metric shown first: the best metric of the first picked run, else the training loss. */
function firstMetric(runs: readonly IRun[], picked: readonly number[]): string {
  const run = runs.find(found => picked.includes(found.id) && found.result?.best_metric);
  return run?.result?.best_metric?.name ?? 'train/loss';
}

interface IViewProps {
  projectId: string;
  projects: ProjectsModel;
  commands: CommandRegistry;
  initial: number[];
  /** Emitted with runs to add to the comparison. */
  added: ISignal<ComparePanel, number[]>;
}

/** Pick runs of a project and overlay one metric of each. */
function CompareView({ projectId, projects, commands, initial, added }: IViewProps): JSX.Element {
  const runsModel = useProjectRuns(projectId);
  useSignal(projects.changed);
  useSignal(chartTheme.changed);
  const [cache] = useState(() => new MetricCache());
  const [picked, setPicked] = useState<number[]>(initial);
  const [metric, setMetric] = useState<string | null>(null);
  const [fetched, setFetched] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const runs = runsModel.runs;

  useEffect(() => {
    const add = (_: ComparePanel, runIds: number[]): void =>
      setPicked(current => [...current, ...runIds.filter(id => !current.includes(id))]);
    added.connect(add);
    return () => {
      added.disconnect(add);
    };
  }, [added]);

  // Pick the newest runs when none was given.
  useEffect(() => {
    if (picked.length === 0 && runs.length > 0) {
      setPicked(runs.slice(0, DEFAULT_PICKS).map(run => run.id));
    }
  }, [runs.length]);

  // Fetch the metrics of the picked runs, again on each refresh of the list.
  useEffect(() => {
    let live = true;
    const chosen = runs.filter(run => picked.includes(run.id));
    cache.update(chosen).then(
      grew => live && grew && setFetched(count => count + 1),
      reason => live && setError(errorMessage(reason))
    );
    return () => {
      live = false;
    };
  }, [runs, picked]);

  const chosen = picked
    .map(id => runs.find(run => run.id === id))
    .filter((run): run is IRun => run !== undefined);
  const names = new Set<string>();
  chosen.forEach(run => cache.get(run.id)?.names.forEach(name => names.add(name)));
  const shown = metric ?? firstMetric(runs, picked);
  const colours = themeColours();
  const perStep = isPerStep(shown);
  const traces: Data[] = chosen.map((run, index) =>
    lineTrace(runTitle(run), cache.get(run.id)?.get(shown) ?? { x: [], y: [] }, {
      markers: !perStep,
      width: perStep ? 1.5 : 2,
      colour: colours[index % colours.length],
      steps: shown === LEARNING_RATE
    })
  );
  const toggle = (runId: number): void =>
    setPicked(current => (current.includes(runId) ? current.filter(id => id !== runId) : [...current, runId]));
  const project = projects.project(projectId);

  return (
    <div className="mass-ComparePanel-content">
      <header className="mass-TrainHeader">
        <h1 className="mass-TrainHeader-title">Compare runs</h1>
        <div className="mass-TrainHeader-sub">{project?.name ?? projectId}</div>
      </header>
      {error && <div className="mass-Message mass-mod-error">{error}</div>}
      {runsModel.error && <div className="mass-Message mass-mod-error">Cannot list the runs: {runsModel.error}</div>}
      <div className="mass-Compare">
        <ul className="mass-RunList mass-Compare-runs" aria-label="Runs to compare">
          {runs.length === 0 && <li className="mass-Message">{runsModel.loaded ? 'No runs yet.' : 'Loading runs…'}</li>}
          {runs.map(run => {
            const index = chosen.findIndex(found => found.id === run.id);
            return (
              <li key={run.id} className="mass-RunList-item mass-mod-pickable" data-run-id={run.id}>
                <input
                  type="checkbox"
                  aria-label={`Compare ${runTitle(run)}`}
                  checked={index >= 0}
                  onChange={() => toggle(run.id)}
                />
                <span
                  className="mass-Swatch"
                  style={index >= 0 ? { background: colours[index % colours.length] } : undefined}
                />
                <span className="mass-Compare-run">
                  <RunRow run={run} />
                </span>
                <button
                  className="mass-TextButton mass-SmallButton"
                  title={`Open ${runTitle(run)}`}
                  onClick={() => void commands.execute(CommandIDs.openRun, { runId: run.id })}
                >
                  Open
                </button>
              </li>
            );
          })}
        </ul>
        <figure className="mass-ChartCard mass-Compare-chart" data-fetched={fetched}>
          <figcaption>
            <label>
              Metric{' '}
              <select
                className="mass-ConfigField-input mass-MetricPicker"
                value={shown}
                onChange={event => setMetric(event.target.value)}
              >
                {Array.from(new Set([shown, ...Array.from(names).sort()])).map(name => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </select>
            </label>
          </figcaption>
          <Chart name="compare" traces={traces} xTitle={xTitle(shown)} yTitle={shown} height={360} />
          {chosen.length === 0 && <div className="mass-ChartCard-empty">Pick runs on the left to compare them.</div>}
        </figure>
      </div>
    </div>
  );
}

/** The main-area panel comparing a project's runs (class `mass-ComparePanel`). */
export class ComparePanel extends ReactWidget {
  constructor(
    readonly projectId: string,
    private readonly _projects: ProjectsModel,
    private readonly _commands: CommandRegistry,
    private readonly _initial: number[]
  ) {
    super();
    this.addClass('mass-ComparePanel');
  }

  /** Add runs to the comparison. */
  addRuns(runIds: number[]): void {
    this._added.emit(runIds);
  }

  render(): JSX.Element {
    return (
      <CompareView
        projectId={this.projectId}
        projects={this._projects}
        commands={this._commands}
        initial={this._initial}
        added={this._added}
      />
    );
  }

  private _added = new Signal<this, number[]>(this);
}
