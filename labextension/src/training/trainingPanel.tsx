import { CommandRegistry } from '@lumino/commands';
import type { LayoutAxis } from 'plotly.js';
import React, { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';

import { errorMessage } from '../api';
import { formatDate, formatDuration } from '../format';
import { CommandIDs } from '../commandIds';
import { ProjectsModel } from '../model';
import { RunVersionButton } from '../models/runVersion';
import { ModelPanel } from '../panels';
import { Chart, IChartProps, isEmpty } from '../shared/chart';
import { ConfigSummary } from './configSummary';
import { trainingCurves } from './curves';
import { formatBest, runTiming, runTitle } from './format';
import { useClock, useSignal } from '../shared/hooks';
import { RunReport } from '../shared/report';
import { RunModel, StreamState } from './runModel';
import { StatusBadge } from './status';
import { IRun, isActive, isResumable } from './types';

/** What the stream indicator says. */
const STREAM_TEXT: Record<StreamState, string> = {
  idle: '',
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  closed: ''
};

/** The progress bar: epochs done of the total, elapsed time and time left. */
function Progress({ run, model }: { run: IRun; model: RunModel }): JSX.Element {
  const active = isActive(run.status);
  const now = useClock(active);
  const { elapsed, eta } = runTiming(run, model.metrics, now);
  const done = run.epochs_done ?? 0;
  const total = run.epochs_total ?? 0;
  const share = total > 0 ? Math.min(1, done / total) : 0;
  let text: string;
  if (run.status === 'queued') {
    text = 'Queued: it starts when its device is free.';
  } else {
    const parts = [`Epoch ${done} of ${total}`];
    if (elapsed !== null) {
      parts.push(`${formatDuration(elapsed)} ${active ? 'elapsed' : 'in all'}`);
    }
    if (active && run.status !== 'cancelling') {
      parts.push(eta === null ? 'time left known after an epoch' : `about ${formatDuration(eta)} left`);
    }
    if (run.status === 'cancelling') {
      parts.push('stopping after the current step…');
    }
    text = parts.join(' · ');
  }
  const stream = STREAM_TEXT[model.stream];
  return (
    <div className="mass-RunProgress">
      <div
        className={`mass-RunProgress-bar${run.status === 'queued' ? ' mass-mod-waiting' : ''}`}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
        aria-label="Epochs done"
      >
        <div className="mass-RunProgress-fill" data-status={run.status} style={{ width: `${share * 100}%` }} />
      </div>
      <div className="mass-RunProgress-text">
        <span className="mass-RunProgress-epochs">{text}</span>
        {run.result?.best_metric && (
          <span className="mass-RunProgress-best">best {formatBest(run.result.best_metric)}</span>
        )}
        {stream && (
          <span className="mass-StreamState" data-state={model.stream} title="Live curves over a websocket">
            {stream}
          </span>
        )}
      </div>
    </div>
  );
}

/** The last lines of the log, kept scrolled to the end unless the user scrolled up. */
function LogTail({ lines }: { lines: readonly string[] }): JSX.Element {
  const box = useRef<HTMLPreElement>(null);
  const pinned = useRef(true);
  useLayoutEffect(() => {
    if (box.current && pinned.current) {
      box.current.scrollTop = box.current.scrollHeight;
    }
  }, [lines]);
  return (
    <pre
      ref={box}
      className="mass-Log"
      onScroll={event => {
        const node = event.currentTarget;
        pinned.current = node.scrollHeight - node.scrollTop - node.clientHeight < 8;
      }}
    >
      {lines.length ? lines.join('\n') : 'Nothing logged yet.'}
    </pre>
  );
}

/** An epoch axis with a tick per epoch while there are few (Plotly would tick at 1.2, 1.4…). */
function epochAxis(epochs: number): Partial<LayoutAxis> {
  return epochs <= 12 ? { dtick: 1 } : {};
}

/** A titled chart with a message in place of its curves while it has none. */
function ChartCard(props: IChartProps & { title: string; empty: string; wide?: boolean }): JSX.Element {
  const { title, empty, wide, ...chart } = props;
  return (
    <figure className={`mass-ChartCard${wide ? ' mass-mod-wide' : ''}`}>
      <figcaption>{title}</figcaption>
      <Chart {...chart} />
      {isEmpty(chart.traces) && <div className="mass-ChartCard-empty">{empty}</div>}
    </figure>
  );
}

/** The three live charts. */
function Curves({ model, epochs }: { model: RunModel; epochs: number }): JSX.Element {
  const version = model.series.version;
  const curves = useMemo(() => trainingCurves(model.series), [model.series, version]);
  return (
    <div className="mass-Curves">
      <ChartCard
        wide
        title="Loss"
        empty="The curves appear with the first training steps."
        name="loss"
        traces={curves.loss}
        xTitle="step"
        yTitle="loss"
      />
      <ChartCard
        title="Validation metrics"
        empty="Validation metrics appear after each epoch."
        name="validation"
        traces={curves.validation}
        xTitle="epoch"
        yTitle="value"
        xAxis={epochAxis(epochs)}
      />
      <ChartCard
        title="Learning rate"
        empty="The learning rate appears with the first training steps."
        name="learning-rate"
        traces={curves.learningRate}
        xTitle="step"
        yTitle="learning rate"
        yAxis={{ rangemode: 'tozero', tickformat: '~g' }}
      />
    </div>
  );
}

interface IViewProps {
  model: RunModel;
  projects: ProjectsModel;
  commands: CommandRegistry;
}

/** Why a run failed or stopped: one sentence first, the traceback folded under it. */
function RunError({ run }: { run: IRun }): JSX.Element {
  const error = run.error ?? '';
  const sentence = run.error_summary ?? error;
  return (
    <div className="mass-Traceback mass-RunError" role="alert">
      <div className="mass-RunError-summary">
        <strong>{run.status === 'failed' ? 'Why it failed: ' : 'Why it stopped: '}</strong>
        {sentence}
      </div>
      {error.trim() !== sentence.trim() && (
        <details className="mass-RunError-details">
          <summary>Traceback (for a bug report)</summary>
          <pre>{error}</pre>
        </details>
      )}
    </div>
  );
}

/** A run: header with its actions, progress, curves, report, log and configuration. */
function TrainingView({ model, projects, commands }: IViewProps): JSX.Element {
  useSignal(model.changed);
  useSignal(model.metricsAdded);
  useSignal(projects.changed);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const run = model.run;

  useEffect(() => setActionError(null), [run?.status]);

  if (!run) {
    return model.error ? (
      <div className="mass-Message mass-mod-error">Cannot show run {model.runId}: {model.error}</div>
    ) : (
      <div className="mass-Message">Loading run {model.runId}…</div>
    );
  }
  const act = (action: () => Promise<void>): void => {
    setBusy(true);
    setActionError(null);
    action().then(
      () => setBusy(false),
      reason => {
        setBusy(false);
        setActionError(errorMessage(reason));
      }
    );
  };
  const project = projects.project(run.project_id);
  const active = isActive(run.status);
  return (
    <div className="mass-TrainingPanel-content">
      <header className="mass-RunHeader">
        <div className="mass-RunHeader-heading">
          <h1 className="mass-RunHeader-title">
            {runTitle(run)}
            <StatusBadge status={run.status} />
          </h1>
          <div className="mass-RunHeader-sub">
            {project?.name ?? run.project_id} · dataset {run.dataset_id}, version {run.dataset_version} ·{' '}
            {(run.processes ?? 1) > 1 ? `${run.processes} processes (torchrun)` : '1 process'} ·{' '}
            {run.started_at ? 'started' : 'queued'} {formatDate(run.started_at ?? run.created_at, 'time')} by {run.created_by}
          </div>
        </div>
        <div className="mass-RunHeader-actions">
          {active && (
            <button
              className="jp-mod-styled jp-mod-warn mass-CancelButton"
              disabled={busy || run.status === 'cancelling'}
              onClick={() => act(() => model.cancel())}
            >
              {run.status === 'cancelling' ? 'Stopping…' : 'Cancel'}
            </button>
          )}
          {isResumable(run.status) && (run.epochs_done ?? 0) > 0 && (
            <button
              className="jp-mod-styled jp-mod-accept mass-ResumeButton"
              disabled={busy}
              title="Continue from the last checkpoint"
              onClick={() => act(() => model.resume())}
            >
              Resume
            </button>
          )}
          {run.status === 'completed' && run.result?.checkpoint && (
            <RunVersionButton projectId={run.project_id} runId={run.id} commands={commands} />
          )}
          <button
            className="jp-mod-styled mass-CompareButton"
            onClick={() =>
              void commands.execute(CommandIDs.compareRuns, { projectId: run.project_id, runIds: [run.id] })
            }
          >
            Compare runs
          </button>
        </div>
      </header>
      <Progress run={run} model={model} />
      {actionError && <div className="mass-Message mass-mod-error">{actionError}</div>}
      {model.error && <div className="mass-Message mass-mod-error">Cannot refresh this run: {model.error}</div>}
      {run.error && <RunError run={run} />}
      {(active || model.metrics.length > 0) && <Curves model={model} epochs={run.epochs_done ?? 0} />}
      {run.status === 'completed' && run.result && (
        <section className="mass-RunSection mass-Report">
          <h2 className="mass-RunSection-title">
            Evaluation
            {run.result.best_metric && (
              <span className="mass-RunSection-note">
                best checkpoint, epoch {run.result.best_metric.epoch}, on the validation split
              </span>
            )}
          </h2>
          <RunReport result={run.result} runId={run.id} />
        </section>
      )}
      <section className="mass-RunSection">
        <h2 className="mass-RunSection-title">
          Log
          <span className="mass-RunSection-note">
            {active ? 'last lines, refreshed every few seconds' : 'last lines'}
          </span>
        </h2>
        <LogTail lines={model.log} />
      </section>
      <ConfigSummary config={run.config} />
    </div>
  );
}

/** The main-area content of one run (class `mass-TrainingPanel`). */
export class TrainingPanel extends ModelPanel<RunModel> {
  constructor(
    model: RunModel,
    private readonly _projects: ProjectsModel,
    private readonly _commands: CommandRegistry
  ) {
    super(model, 'mass-TrainingPanel');
    this.node.dataset.runId = String(model.runId);
  }

  /** The run shown. */
  get runId(): number {
    return this.model.runId;
  }

  render(): JSX.Element {
    return <TrainingView model={this.model} projects={this._projects} commands={this._commands} />;
  }
}
