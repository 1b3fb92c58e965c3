import { ReactWidget } from '@jupyterlab/apputils';
import { CommandRegistry } from '@lumino/commands';
import React, { useEffect, useState } from 'react';

import { errorMessage } from '../api';
import { CommandIDs } from '../commandIds';
import { formatDate } from '../format';
import { ProjectsModel } from '../model';
import { getProjectConfig, getStudy, listDatasets, listRuns, listVersions, startRun, startStudy } from './client';
import { overridesOf } from './config';
import { ConfigForm } from './configForm';
import { useSignal } from './hooks';
import { runEvents } from './runEvents';
import { StudyModel, StudyView } from './study';
import { IDatasetChoice, IVersionChoice, TrainingConfig } from './types';

/** The most processes a run may use, as the server allows. */
const MAX_PROCESSES = 64;

/** The most trials of a study, as the server allows. */
const MAX_TRIALS = 200;

/** What a project's task is called. */
const TASK_TITLES: Record<string, string> = {
  'tabular-classification': 'classification of tabular records',
  'image-classification': 'image classification',
  segmentation: 'segmentation'
};

/** A whole number from `min` to `max` in a text, or null. */
function wholeNumber(text: string, min: number, max: number): number | null {
  const value = Number(text.trim());
  return text.trim() && Number.isInteger(value) && value >= min && value <= max ? value : null;
}

/** The dataset and version pickers. */
function DataPicker(props: {
  datasets: IDatasetChoice[];
  datasetId: number | null;
  onDataset: (id: number) => void;
  versions: IVersionChoice[];
  version: number | null;
  onVersion: (version: number | null) => void;
}): JSX.Element {
  const { datasets, datasetId, versions, version } = props;
  return (
    <div className="mass-ConfigGrid mass-DataPicker">
      <label className="mass-ConfigField">
        <span className="mass-ConfigField-label">Dataset</span>
        <select
          className="mass-ConfigField-input mass-DatasetPicker"
          value={datasetId ?? ''}
          onChange={event => props.onDataset(Number(event.target.value))}
        >
          {datasets.map(dataset => (
            <option key={dataset.id} value={dataset.id}>
              {dataset.name} ({dataset.item_count} {dataset.kind === 'tabular' ? 'records' : 'items'})
            </option>
          ))}
        </select>
      </label>
      <label className="mass-ConfigField">
        <span className="mass-ConfigField-label">Version</span>
        <select
          className="mass-ConfigField-input mass-VersionPicker"
          value={version ?? ''}
          onChange={event => props.onVersion(event.target.value ? Number(event.target.value) : null)}
        >
          <option value="">Freeze a new version now</option>
          {versions.map(found => (
            <option key={found.number} value={found.number}>
              v{found.number} · frozen {formatDate(found.created_at, true)} by {found.created_by} ·{' '}
              {found.digest.slice(0, 8)}
            </option>
          ))}
        </select>
        <span className="mass-ConfigField-hint">Every run trains on an immutable version of its data and labels.</span>
      </label>
    </div>
  );
}

/** A count (processes, trials) beside the button that uses it, with a hint. */
function CountAction(props: {
  label: string;
  value: string;
  onValue: (text: string) => void;
  action: string;
  actionClass: string;
  disabled: boolean;
  onAction: () => void;
  hint: string;
}): JSX.Element {
  return (
    <div className="mass-TrainActions-group">
      <label className="mass-ConfigField mass-mod-compact">
        <span className="mass-ConfigField-label">{props.label}</span>
        <input
          className="mass-ConfigField-input"
          data-path={props.label.toLowerCase()}
          inputMode="numeric"
          value={props.value}
          onChange={event => props.onValue(event.target.value)}
        />
      </label>
      <button className={`jp-mod-styled ${props.actionClass}`} disabled={props.disabled} onClick={props.onAction}>
        {props.action}
      </button>
      <span className="mass-TrainActions-hint">{props.hint}</span>
    </div>
  );
}

interface IViewProps {
  projectId: string;
  projects: ProjectsModel;
  commands: CommandRegistry;
}

/** The training form of a project: data, configuration, Start and Auto-tune, and the latest study. */
function TrainView({ projectId, projects, commands }: IViewProps): JSX.Element {
  const projectTicks = useSignal(projects.changed);
  const [defaults, setDefaults] = useState<TrainingConfig | null>(null);
  const [datasets, setDatasets] = useState<IDatasetChoice[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [config, setConfig] = useState<TrainingConfig>({});
  const [datasetId, setDatasetId] = useState<number | null>(null);
  const [versions, setVersions] = useState<IVersionChoice[]>([]);
  const [version, setVersion] = useState<number | null>(null);
  const [versionTicks, setVersionTicks] = useState(0);
  const [processes, setProcesses] = useState('1');
  const [trials, setTrials] = useState('10');
  const [invalid, setInvalid] = useState<ReadonlySet<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [study, setStudy] = useState<StudyModel | null>(null);

  // The configuration and the latest study, once.
  useEffect(() => {
    let live = true;
    Promise.all([getProjectConfig(projectId), listRuns(projectId)]).then(
      async ([defaults, runs]) => {
        if (!live) {
          return;
        }
        setConfig(defaults);
        setDefaults(defaults);
        const trial = runs.find(run => run.study_id !== null);
        if (trial?.study_id) {
          const latest = await getStudy(trial.study_id);
          if (live) {
            setStudy(new StudyModel(latest));
          }
        }
      },
      reason => live && setLoadError(errorMessage(reason))
    );
    return () => {
      live = false;
    };
  }, [projectId]);

  // The datasets, again whenever the project list refreshes (an import adds one).
  useEffect(() => {
    let live = true;
    listDatasets(projectId).then(
      found => {
        if (live) {
          setDatasets(found);
          setDatasetId(current =>
            current !== null && found.some(dataset => dataset.id === current)
              ? current
              : found.length
                ? found[found.length - 1].id
                : null
          );
        }
      },
      reason => live && setLoadError(errorMessage(reason))
    );
    return () => {
      live = false;
    };
  }, [projectId, projectTicks]);

  // The chosen dataset's versions.
  useEffect(() => {
    let live = true;
    setVersions([]);
    if (datasetId === null) {
      return;
    }
    listVersions(datasetId).then(
      found => live && setVersions(found),
      reason => live && setError(errorMessage(reason))
    );
    return () => {
      live = false;
    };
  }, [datasetId, versionTicks]);

  useEffect(() => () => study?.dispose(), [study]);

  if (loadError) {
    return <div className="mass-Message mass-mod-error">Cannot prepare training: {loadError}</div>;
  }
  if (!defaults || !datasets) {
    return <div className="mass-Message">Loading the training configuration…</div>;
  }
  const project = projects.project(projectId);
  const task = typeof defaults.task === 'string' ? defaults.task : '';
  const processCount = wholeNumber(processes, 1, MAX_PROCESSES);
  const trialCount = wholeNumber(trials, 1, MAX_TRIALS);
  const ready = !busy && datasetId !== null && invalid.size === 0;
  const overrides = overridesOf(config, defaults);
  const changed = Object.keys(overrides).length;

  const submit = (action: (datasetId: number) => Promise<void>): void => {
    if (datasetId === null) {
      return;
    }
    setBusy(true);
    setError(null);
    action(datasetId).then(
      () => {
        setBusy(false);
        if (version === null) {
          setVersionTicks(count => count + 1); // the server froze a new version
        }
        runEvents.emit(projectId);
      },
      reason => {
        setBusy(false);
        setError(errorMessage(reason));
      }
    );
  };
  const pinned = version === null ? {} : { version };
  const start = (): void =>
    submit(async dataset_id => {
      const run = await startRun(projectId, { dataset_id, ...pinned, config: overrides, processes: processCount ?? 1 });
      await commands.execute(CommandIDs.openRun, { runId: run.id });
    });
  const tune = (): void =>
    submit(async dataset_id => {
      const found = await startStudy(projectId, { dataset_id, ...pinned, trials: trialCount ?? 1, config: overrides });
      setStudy(new StudyModel(found));
    });

  return (
    <div className="mass-TrainPanel-content">
      <header className="mass-TrainHeader">
        <h1 className="mass-TrainHeader-title">Train a model</h1>
        <div className="mass-TrainHeader-sub">
          {project?.name ?? projectId}
          {task && ` · ${TASK_TITLES[task] ?? task}`}
        </div>
      </header>

      <section className="mass-TrainCard">
        <h2 className="mass-TrainCard-title">Data</h2>
        {datasets.length === 0 ? (
          <div className="mass-Message">
            This project has no dataset yet.{' '}
            <button
              className="mass-TextButton"
              onClick={() => void commands.execute(CommandIDs.importData, { projectId })}
            >
              Import data
            </button>
          </div>
        ) : (
          <DataPicker
            datasets={datasets}
            datasetId={datasetId}
            onDataset={id => {
              setDatasetId(id);
              setVersion(null);
            }}
            versions={versions}
            version={version}
            onVersion={setVersion}
          />
        )}
      </section>

      <section className="mass-TrainCard">
        <h2 className="mass-TrainCard-title">
          Configuration
          <span className="mass-TrainCard-note">
            {changed ? `${changed} setting${changed > 1 ? 's' : ''} changed from the project's config.json` : "the project's config.json"}
          </span>
          <button
            className="mass-TextButton mass-ResetButton"
            disabled={changed === 0 && invalid.size === 0}
            onClick={() => setConfig(defaults)}
          >
            Reset
          </button>
        </h2>
        <ConfigForm
          config={config}
          defaults={defaults}
          task={task}
          onChange={setConfig}
          onInvalid={(path, bad) =>
            setInvalid(current => {
              if (current.has(path) === bad) {
                return current;
              }
              const next = new Set(current);
              if (bad) {
                next.add(path);
              } else {
                next.delete(path);
              }
              return next;
            })
          }
        />
      </section>

      <section className="mass-TrainCard mass-TrainActions">
        <CountAction
          label="Processes"
          value={processes}
          onValue={setProcesses}
          action="Start training"
          actionClass="jp-mod-accept mass-StartButton"
          disabled={!ready || processCount === null}
          onAction={start}
          hint={
            processCount === null
              ? `Processes: a whole number from 1 to ${MAX_PROCESSES}.`
              : processCount > 1
                ? `${processCount} processes train together with torchrun (DDP).`
                : 'One run trains at a time on each device; others wait in the queue.'
          }
        />
        <CountAction
          label="Trials"
          value={trials}
          onValue={setTrials}
          action="Auto-tune"
          actionClass="mass-TuneButton"
          disabled={!ready || trialCount === null}
          onAction={tune}
          hint={
            trialCount === null
              ? `Trials: a whole number from 1 to ${MAX_TRIALS}.`
              : 'Optuna tries learning rates, batch sizes and more, one run per trial, from the settings above; unpromising trials stop early.'
          }
        />
        {error && <div className="mass-Message mass-mod-error">{error}</div>}
      </section>

      {study && <StudyView model={study} base={defaults} commands={commands} />}
    </div>
  );
}

/** The main-area Train panel of one project (class `mass-TrainPanel`). */
export class TrainPanel extends ReactWidget {
  constructor(
    readonly projectId: string,
    private readonly _projects: ProjectsModel,
    private readonly _commands: CommandRegistry
  ) {
    super();
    this.addClass('mass-TrainPanel');
  }

  render(): JSX.Element {
    return <TrainView projectId={this.projectId} projects={this._projects} commands={this._commands} />;
  }
}
