import { CommandRegistry } from '@lumino/commands';
import { JSONExt, JSONValue } from '@lumino/coreutils';
import React, { useState } from 'react';

import { errorMessage } from '../api';
import { CommandIDs } from '../commandIds';
import { getStudy, promoteStudy } from './client';
import { flatten, formatConfigValue } from './config';
import { formatValue } from './format';
import { useSignal } from './hooks';
import { PolledModel } from './polledModel';
import { runEvents } from './runEvents';
import { StatusBadge } from './status';
import { IRun, isActive, IStudy, TrainingConfig } from './types';

/** How often a running study is fetched while the page is visible. */
const REFRESH_INTERVAL_MS = 3_000;

/** An auto-tune study, refreshed while it runs so that its trials show as they come. */
export class StudyModel extends PolledModel {
  constructor(study: IStudy) {
    super({ name: `mass-ide:study-${study.id}`, interval: REFRESH_INTERVAL_MS, auto: study.status === 'running' });
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

  /** The poll's tick: fetch the study; stop once it has ended. */
  protected async fetch(): Promise<void> {
    const study = await getStudy(this._study.id);
    if (study.trials.length !== this._study.trials.length) {
      runEvents.emit(study.project_id); // a trial started: the run lists show it
    }
    this._study = study;
    if (study.status !== 'running') {
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

/** A study: its trials as they come, the best one marked, and "Promote best". */
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
  const promote = (): void => {
    setBusy(true);
    setError(null);
    model.promote().then(
      run => {
        setBusy(false);
        openRun(run.id);
      },
      reason => {
        setBusy(false);
        setError(errorMessage(reason));
      }
    );
  };
  return (
    <section className="mass-Study" data-study-id={study.id}>
      <div className="mass-Study-header">
        <div>
          <div className="mass-Study-title">
            Auto-tune study {study.id}
            <span className="mass-StatusBadge" data-status={study.status === 'running' ? 'running' : 'completed'}>
              {study.status === 'running' ? 'Running' : 'Completed'}
            </span>
          </div>
          <div className="mass-Study-sub">
            Maximises {study.objective} · {finished} of {study.n_trials} trials done · dataset {study.dataset_id}, version{' '}
            {study.dataset_version}
          </div>
        </div>
        <button
          className="jp-mod-styled jp-mod-accept mass-PromoteButton"
          disabled={busy || study.best_run_id === null}
          title={
            study.best_run_id === null
              ? 'Available once the study has finished with a completed trial'
              : `Train a normal run with the configuration of run ${study.best_run_id}`
          }
          onClick={promote}
        >
          Promote best
        </button>
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
