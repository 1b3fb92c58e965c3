import { CommandRegistry } from '@lumino/commands';
import React, { useEffect, useMemo, useState } from 'react';

import { CommandIDs } from '../commandIds';
import { listRuns } from './client';
import { formatDate } from '../format';
import { formatBest, runTitle } from './format';
import { useSignal } from '../shared/hooks';
import { compareIcon, trainIcon } from './icons';
import { PolledModel } from '../shared/polledModel';
import { runEvents } from '../shared/runEvents';
import { StatusBadge } from './status';
import { IRun, isActive } from './types';

/** How often the list is fetched while one of its runs is active (and the page visible). */
const ACTIVE_INTERVAL_MS = 5_000;

/** How often it is fetched when none is. */
const IDLE_INTERVAL_MS = 30_000;

/** How many runs the project panel lists before "Show all". */
const SHOWN_RUNS = 8;

/**
 * A project's runs, newest first, kept fresh: every few seconds while one is
 * active, every half minute otherwise, and at once when a run changes here.
 */
export class ProjectRunsModel extends PolledModel {
  constructor(readonly projectId: string) {
    super({ name: `mass-ide:runs-${projectId}`, interval: ACTIVE_INTERVAL_MS });
    runEvents.changed.connect(this._onRunEvent, this);
  }

  /** The runs, newest first. */
  get runs(): readonly IRun[] {
    return this._runs;
  }

  /** Whether the first answer (or error) has arrived. */
  get loaded(): boolean {
    return this._loaded;
  }

  dispose(): void {
    runEvents.changed.disconnect(this._onRunEvent, this);
    super.dispose();
  }

  /** A poll tick: fetch when a run is active or the list is old enough. */
  protected async fetch(): Promise<void> {
    const active = this._runs.some(run => isActive(run.status));
    if (this._loaded && !active && Date.now() - this._fetchedAt < IDLE_INTERVAL_MS) {
      return;
    }
    try {
      this._runs = await listRuns(this.projectId);
      this._fetchedAt = Date.now();
    } finally {
      this._loaded = true;
    }
  }

  private _onRunEvent(_: unknown, projectId: string): void {
    if (projectId === this.projectId) {
      this._fetchedAt = 0;
      void this.poll.refresh();
    }
  }

  private _fetchedAt = 0;
  private _loaded = false;
  private _runs: IRun[] = [];
}

/** A `ProjectRunsModel` for the life of a component. */
export function useProjectRuns(projectId: string): ProjectRunsModel {
  const model = useMemo(() => new ProjectRunsModel(projectId), [projectId]);
  useEffect(() => () => model.dispose(), [model]);
  useSignal(model.changed);
  return model;
}

/** One run of a list: title, status, best metric and when it started. */
export function RunRow({ run }: { run: IRun }): JSX.Element {
  return (
    <>
      <span className="mass-RunList-name">{runTitle(run)}</span>
      <StatusBadge status={run.status} />
      <span className="mass-RunList-best" title="Best validation metric">
        {formatBest(run.result?.best_metric, false) ||
          (isActive(run.status) && run.epochs_total ? `epoch ${run.epochs_done ?? 0}/${run.epochs_total}` : '')}
      </span>
      <span className="mass-RunList-date" title={`Created ${run.created_at} by ${run.created_by}`}>
        {formatDate(run.started_at ?? run.created_at, 'time')}
      </span>
    </>
  );
}

/** The project panel's Runs section: Train and Compare buttons, and the runs, each opening its panel. */
export function RunsSection({ projectId, commands }: { projectId: string; commands: CommandRegistry }): JSX.Element {
  const model = useProjectRuns(projectId);
  const [showAll, setShowAll] = useState(false);
  const runs = model.runs;
  const shown = showAll ? runs : runs.slice(0, SHOWN_RUNS);
  const open = (runId: number): void => void commands.execute(CommandIDs.openRun, { runId });
  return (
    <section className="mass-Section" data-section="runs">
      <h2 className="mass-Section-title">
        Runs
        <span className="mass-RunsSection-actions">
          <button
            className="mass-TextButton mass-TrainButton"
            title="Train a model on a frozen version of one of this project's datasets"
            onClick={() => void commands.execute(CommandIDs.train, { projectId })}
          >
            <trainIcon.react tag="span" className="mass-ButtonIcon" />
            Train
          </button>
          <button
            className="mass-TextButton mass-CompareRunsButton"
            title="Overlay the curves of several runs"
            disabled={runs.length === 0}
            onClick={() => void commands.execute(CommandIDs.compareRuns, { projectId })}
          >
            <compareIcon.react tag="span" className="mass-ButtonIcon" />
            Compare
          </button>
        </span>
        <span className="mass-Section-count">{runs.length}</span>
      </h2>
      {model.error && <div className="mass-Message mass-mod-error">Cannot list the runs: {model.error}</div>}
      {runs.length === 0 ? (
        <div className="mass-Section-empty">
          <strong>{model.loaded ? 'No training runs yet.' : 'Loading runs…'}</strong> Train a model with the Train
          button: each run, with its live curves and evaluation report, is listed here.
        </div>
      ) : (
        <ul className="mass-RunList">
          {shown.map(run => (
            <li
              key={run.id}
              className="mass-RunList-item"
              data-run-id={run.id}
              tabIndex={0}
              title={`Open ${runTitle(run)}`}
              onClick={() => open(run.id)}
              onKeyDown={event => event.key === 'Enter' && open(run.id)}
            >
              <RunRow run={run} />
            </li>
          ))}
          {runs.length > SHOWN_RUNS && (
            <li className="mass-RunList-more">
              <button className="mass-TextButton" onClick={() => setShowAll(!showAll)}>
                {showAll ? 'Show fewer' : `Show all ${runs.length} runs`}
              </button>
            </li>
          )}
        </ul>
      )}
    </section>
  );
}
