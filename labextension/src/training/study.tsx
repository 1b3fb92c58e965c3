import { CommandRegistry } from '@lumino/commands';
import { JSONExt, JSONValue } from '@lumino/coreutils';
import React, { useState } from 'react';

import { errorMessage } from '../api';
import { CommandIDs } from '../commandIds';
import { formatValue } from '../format';
import { getStudy, promoteStudy, stopStudy } from './client';
import { flatten, formatConfigValue } from './config';
import { useSignal } from '../shared/hooks';
import { PolledModel } from '../shared/polledModel';
import { runEvents } from '../shared/runEvents';
import { StatusBadge } from './status';
import { IRun, isActive, IStudy, TrainingConfig } from './types';

/** How often a running study is fetched while the page is visible. */
const REFRESH_INTERVAL_MS = 3_000;

/** Whether a study may still change: it runs, or a trial of it has not ended yet (a stopped study's last one). */
function isLive(study: IStudy): boolean {
  return study.status === 'running' || study.trials.some(trial => isActive(trial.status));
}

/** An auto-tune study, refreshed while it runs so that its trials show as they come. */
export class StudyModel extends PolledModel {
  constructor(study: IStudy) {
    super({ name: `mass-ide:study-${study.id}`, interval: REFRESH_INTERVAL_MS, auto: isLive(study) });
    this._study = study;
  }

  get study(): IStudy {
    return this._study;
  }

  /** Queue a normal run with the best trial's configuration. */
  async promote(): Promise<IRun> {
    const run = await promoteStudy(this._study.id);
    runEvents.emit(this._study.project_id);
    return run;
  }

  /** Stop the study: no trial starts after this; the running one is cancelled. */
  async stop(): Promise<void> {
    this._study = await stopStudy(this._study.id);
    runEvents.emit(this._study.project_id); // its trials were cancelled: the run lists show it
    this.emitChanged();
  }

  /** The poll's tick: fetch the study; stop once it has ended and its last trial too. */
  protected async fetch(): Promise<void> {
    const study = await getStudy(this._study.id);
    if (study.trials.length !== this._study.trials.length) {
      runEvents.emit(study.project_id); // a trial started: the run lists show it
    }
    this._study = study;
    if (!isLive(study)) {
      void this.poll.stop();
    }
  }

  private _study: IStudy;
}

/** The settings that the tuner changed in some trial: those that differ from `base`. */
function tunedSettings(trials: IRun[], base: TrainingConfig): string[] {
  const reference = flatten(base);
  const tuned = new Set<string>();
  for (const trial of trials) {
    flatten(trial.config).forEach((value, path) => {
      if (!JSONExt.deepEqual(value, reference.get(path) ?? null)) {
        tuned.add(path);
      }
    });
  }
  return Array.from(tuned).sort();
}

/** A tuned value, short: numbers to three significant digits, never in exponent form. */
function tunedValue(value: JSONValue | undefined): string {
  if (typeof value === 'number') {
    return String(Number(value.toPrecision(3)));
  }
  return formatConfigValue(value);
}

/** What the study's badge says for each status. */
const STUDY_STATUS: Record<IStudy['status'], { label: string; badge: string }> = {
  running: { label: 'Running', badge: 'running' },
  completed: { label: 'Completed', badge: 'completed' },
  stopped: { label: 'Stopped', badge: 'stopped' }
};

/** A study: its trials as they come, the best one marked, "Stop" while it runs and "Promote best". */
export function StudyView(props: {
  model: StudyModel;
  /** The configuration every trial started from (the project's, with the study's overrides). */
  base: TrainingConfig;
  commands: CommandRegistry;
}): JSX.Element {
  const { model, base, commands } = props;
  useSignal(model.changed);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const study = model.study;
  const tuned = tunedSettings(study.trials, { ...base, ...study.overrides });
  const finished = study.trials.filter(trial => !isActive(trial.status)).length;
  const openRun = (runId: number): void => void commands.execute(CommandIDs.openRun, { runId });
  const act = (action: () => Promise<void>): void => {
    setBusy(true);
    setError(null);
    action().then(
      () => setBusy(false),
      reason => {
        setBusy(false);
        setError(errorMessage(reason));
      }
    );
  };
  const status = STUDY_STATUS[study.status] ?? { label: study.status, badge: study.status };
  const progress =
    study.status === 'stopped'
      ? `stopped after ${finished} of ${study.n_trials} trials`
      : `${finished} of ${study.n_trials} trials done`;
  return (
    <section className="mass-Study" data-study-id={study.id}>
      <div className="mass-Study-header">
        <div>
          <div className="mass-Study-title">
            Auto-tune study {study.id}
            <span className="mass-StatusBadge" data-status={status.badge}>
              {status.label}
            </span>
          </div>
          <div className="mass-Study-sub">
            Maximises {study.objective} · {progress} · dataset {study.dataset_id}, version {study.dataset_version}
          </div>
        </div>
        <div className="mass-Study-actions">
          {study.status === 'running' && (
            <button
              className="jp-mod-styled jp-mod-warn mass-StopStudyButton"
              disabled={busy}
              title="Start no more trials and cancel the running one; finished trials stay"
              onClick={() => act(() => model.stop())}
            >
              Stop
            </button>
          )}
          <button
            className="jp-mod-styled jp-mod-accept mass-PromoteButton"
            disabled={busy || study.best_run_id == null}
            title={
              study.best_run_id == null
                ? 'Available once the study has finished or was stopped, with a completed trial'
                : `Train a normal run with the configuration of run ${study.best_run_id}`
            }
            onClick={() => act(async () => openRun((await model.promote()).id))}
          >
            Promote best
          </button>
        </div>
      </div>
      {(error ?? model.error) && <div className="mass-Message mass-mod-error">{error ?? model.error}</div>}
      {study.trials.length === 0 ? (
        <div className="mass-Message">The first trial is being queued…</div>
      ) : (
        <div className="mass-TableScroll">
          <table className="mass-RunTable">
            <thead>
              <tr>
                <th>Trial</th>
                <th>Status</th>
                {tuned.map(path => (
                  <th key={path}>{path}</th>
                ))}
                <th>{study.objective}</th>
                <th>Epochs</th>
              </tr>
            </thead>
            <tbody>
              {study.trials.map(trial => {
                const values = flatten(trial.config);
                const best = trial.id === study.best_run_id;
                const metric = trial.result?.best_metric;
                return (
                  <tr
                    key={trial.id}
                    className={best ? 'mass-mod-best' : undefined}
                    tabIndex={0}
                    title={`Open run ${trial.id}`}
                    onClick={() => openRun(trial.id)}
                    onKeyDown={event => event.key === 'Enter' && openRun(trial.id)}
                  >
                    <td>
                      {(trial.trial_number ?? 0) + 1}
                      <span className="mass-RunTable-id"> · run {trial.id}</span>
                      {best && <span className="mass-BestMark"> ★ best</span>}
                    </td>
                    <td>
                      <StatusBadge status={trial.status} />
                    </td>
                    {tuned.map(path => (
                      <td key={path} className="mass-mod-number">
                        {tunedValue(values.get(path))}
                      </td>
                    ))}
                    <td className="mass-mod-number">
                      {metric && metric.name === study.objective ? formatValue(metric.value) : '—'}
                    </td>
                    <td className="mass-mod-number">
                      {trial.epochs_done ?? 0} / {trial.epochs_total ?? '?'}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
