import { ReactWidget } from '@jupyterlab/apputils';
import { CommandRegistry } from '@lumino/commands';
import React, { useEffect, useState } from 'react';

import { errorMessage } from '../api';
import { CommandIDs } from '../commandIds';
import { formatDate } from '../format';
import { ProjectsModel } from '../model';
import {
  estimateRun,
  getProjectConfig,
  getRunOptions,
  getStudy,
  listRuns,
  listVersions,
  startRun,
  startStudy
} from './client';
import { keyLabel, overridesOf } from './config';
import { ConfigForm } from './configForm';
import { useSignal } from './hooks';
import { runEvents } from './runEvents';
import { StudyModel, StudyView } from './study';
import { IDatasetOption, IRunEstimate, IRunOptions, IVersionChoice, Preset, TrainingConfig } from './types';

/** The most processes a run may use, as the server allows. */
const MAX_PROCESSES = 64;

/** The most trials of a study, as the server allows. */
const MAX_TRIALS = 200;

/** How long the form stays unchanged before the time estimate is asked for. */
const ESTIMATE_DELAY_MS = 300;

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

/** A dataset as the picker names it: "PBC labs — 418 of 418 records labelled". */
function datasetTitle(dataset: IDatasetOption): string {
  const noun = dataset.kind === 'tabular' ? 'records' : 'items';
  return `${dataset.name} — ${dataset.labelled} of ${dataset.item_count} ${noun} labelled`;
}

/** The dataset and version pickers. */
function DataPicker(props: {
  datasets: IDatasetOption[];
  datasetId: number | null;
  onDataset: (id: number) => void;
  versions: IVersionChoice[];
  version: number | null;
  onVersion: (version: number | null) => void;
}): JSX.Element {
  const { datasets, datasetId, versions, version } = props;
  const chosen = datasets.find(dataset => dataset.id === datasetId);
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
              {datasetTitle(dataset)}
            </option>
          ))}
        </select>
        {chosen && chosen.labelled === 0 ? (
          <span className="mass-ConfigField-hint mass-mod-error">
            No item of this dataset is labelled yet: label some in the annotation view first.
          </span>
        ) : (
          <span className="mass-ConfigField-hint">Labelled: what the task can learn from.</span>
        )}
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

/** What each preset is for, as the toggle says it. */
const PRESET_TITLES: Record<Preset, string> = { quick: 'Quick', full: 'Full' };

/** The preset toggle: Quick (minutes on a CPU) or Full (the project's config.json). */
function PresetToggle(props: {
  options: IRunOptions;
  preset: Preset;
  onPreset: (preset: Preset) => void;
}): JSX.Element {
  const { options, preset } = props;
  const quick = options.presets.find(found => found.name === 'quick');
  const hint =
    preset === 'quick'
      ? `Quick changes ${quick ? Object.keys(quick.changes).map(keyLabel).join(', ').toLowerCase() : 'nothing'} to finish in minutes on a CPU; Full trains as the project's config.json says.`
      : `Full trains as the project's config.json says${options.device === 'cuda' ? ' (the default on this GPU)' : '; on this CPU it can take long'}.`;
  return (
    <div className="mass-PresetToggle">
      <span className="mass-Segmented" role="radiogroup" aria-label="Preset">
        {options.presets.map(found => (
          <button
            key={found.name}
            type="button"
            role="radio"
            aria-checked={found.name === preset}
            className={`mass-ToggleChip mass-PresetOption${found.name === preset ? ' mass-mod-on' : ''}`}
            data-preset={found.name}
            onClick={() => props.onPreset(found.name)}
          >
            {PRESET_TITLES[found.name]}
          </button>
        ))}
      </span>
      <span className="mass-ConfigField-hint">{hint}</span>
    </div>
  );
}

/** The time estimate beside Start: what it comes to and what it rests on. */
function EstimateLine(props: { estimate: IRunEstimate | null; error: string | null }): JSX.Element | null {
  const { estimate, error } = props;
  if (error) {
    return <div className="mass-TrainEstimate mass-mod-error">No estimate: {error}</div>;
  }
  if (!estimate) {
    return null;
  }
  const where = estimate.device === 'cuda' ? 'the GPU' : 'this CPU';
  return (
    <div className="mass-TrainEstimate" title={`An estimate ${estimate.basis}.`}>
      <strong>Takes {estimate.duration}</strong> on {where} · {estimate.samples} labelled × {estimate.epochs}{' '}
      epoch{estimate.epochs === 1 ? '' : 's'}
      <span className="mass-TrainEstimate-basis">An estimate {estimate.basis}.</span>
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

/** The training form of a project: data, preset and configuration, Start (with an estimate) and Auto-tune, and
 * the latest study. */
function TrainView({ projectId, projects, commands }: IViewProps): JSX.Element {
  const projectTicks = useSignal(projects.changed);
  const [options, setOptions] = useState<IRunOptions | null>(null);
  const [preset, setPreset] = useState<Preset | null>(null);
  const [defaults, setDefaults] = useState<TrainingConfig | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [config, setConfig] = useState<TrainingConfig>({});
  const [datasetId, setDatasetId] = useState<number | null>(null);
  const [versions, setVersions] = useState<IVersionChoice[]>([]);
  const [version, setVersion] = useState<number | null>(null);
  const [versionChosen, setVersionChosen] = useState(false);
  const [versionTicks, setVersionTicks] = useState(0);
  const [processes, setProcesses] = useState('1');
  const [trials, setTrials] = useState('10');
  const [invalid, setInvalid] = useState<ReadonlySet<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [estimate, setEstimate] = useState<IRunEstimate | null>(null);
  const [estimateError, setEstimateError] = useState<string | null>(null);
  const [study, setStudy] = useState<StudyModel | null>(null);

  // The latest study, once.
  useEffect(() => {
    let live = true;
    listRuns(projectId).then(
      async runs => {
        const trial = runs.find(run => run.study_id !== null);
        if (live && trial?.study_id) {
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

  // The datasets with their labelled counts and the defaults, again whenever the project list refreshes (an
  // import or a label changes them); the chosen dataset and preset stay.
  useEffect(() => {
    let live = true;
    getRunOptions(projectId).then(
      found => {
        if (live) {
          setOptions(found);
          setPreset(current => current ?? found.preset);
          setDatasetId(current =>
            current !== null && found.datasets.some(dataset => dataset.id === current) ? current : found.dataset_id
          );
        }
      },
      reason => live && setLoadError(errorMessage(reason))
    );
    return () => {
      live = false;
    };
  }, [projectId, projectTicks]);

  // The preset's configuration; the settings changed in the form stay changed.
  useEffect(() => {
    let live = true;
    if (preset === null) {
      return;
    }
    getProjectConfig(projectId, preset).then(
      found => {
        if (live) {
          setConfig(current => (defaults ? { ...found, ...overridesOf(current, defaults) } : found));
          setDefaults(found);
        }
      },
      reason => live && setLoadError(errorMessage(reason))
    );
    return () => {
      live = false;
    };
  }, [projectId, preset]);

  // The chosen dataset's versions; the newest is the default until one is chosen.
  useEffect(() => {
    let live = true;
    setVersions([]);
    if (datasetId === null) {
      return;
    }
    listVersions(datasetId).then(
      found => {
        if (live) {
          setVersions(found);
          if (!versionChosen) {
            setVersion(found.length ? found[0].number : null);
          }
        }
      },
      reason => live && setError(errorMessage(reason))
    );
    return () => {
      live = false;
    };
  }, [datasetId, versionTicks]);

  const overrides = defaults ? overridesOf(config, defaults) : {};
  const overridesKey = JSON.stringify(overrides);

  // How long Start would take, shortly after the form stops changing.
  useEffect(() => {
    let live = true;
    setEstimate(null);
    setEstimateError(null);
    if (datasetId === null || preset === null || !defaults || invalid.size > 0) {
      return;
    }
    const timer = window.setTimeout(() => {
      const pinned = version === null ? {} : { version };
      estimateRun(projectId, { dataset_id: datasetId, ...pinned, preset, config: overrides }).then(
        found => live && setEstimate(found),
        reason => live && setEstimateError(errorMessage(reason))
      );
    }, ESTIMATE_DELAY_MS);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [projectId, datasetId, version, preset, defaults, overridesKey, invalid.size, projectTicks]);

  useEffect(() => () => study?.dispose(), [study]);

  if (loadError) {
    return <div className="mass-Message mass-mod-error">Cannot prepare training: {loadError}</div>;
  }
  if (!defaults || !options || preset === null) {
    return <div className="mass-Message">Loading the training configuration…</div>;
  }
  const datasets = options.datasets;
  const project = projects.project(projectId);
  const task = typeof defaults.task === 'string' ? defaults.task : '';
  const processCount = wholeNumber(processes, 1, MAX_PROCESSES);
  const trialCount = wholeNumber(trials, 1, MAX_TRIALS);
  const ready = !busy && datasetId !== null && invalid.size === 0;
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
          setVersionChosen(false); // the server froze a new version: it becomes the default
          setVersionTicks(count => count + 1);
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
      const run = await startRun(projectId, {
        dataset_id,
        ...pinned,
        preset,
        config: overrides,
        processes: processCount ?? 1
      });
      await commands.execute(CommandIDs.openRun, { runId: run.id });
    });
  const tune = (): void =>
    submit(async dataset_id => {
      const found = await startStudy(projectId, {
        dataset_id,
        ...pinned,
        preset,
        trials: trialCount ?? 1,
        config: overrides
      });
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
              setVersionChosen(false);
            }}
            versions={versions}
            version={version}
            onVersion={chosen => {
              setVersion(chosen);
              setVersionChosen(true);
            }}
          />
        )}
      </section>

      <section className="mass-TrainCard">
        <h2 className="mass-TrainCard-title">
          Configuration
          <span className="mass-TrainCard-note">
            {changed
              ? `${changed} setting${changed > 1 ? 's' : ''} changed from the ${preset} preset`
              : `the ${preset} preset${preset === 'full' ? ", the project's config.json" : ''}`}
          </span>
          <button
            className="mass-TextButton mass-ResetButton"
            disabled={changed === 0 && invalid.size === 0}
            onClick={() => setConfig(defaults)}
          >
            Reset
          </button>
        </h2>
        <PresetToggle options={options} preset={preset} onPreset={setPreset} />
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
        <EstimateLine estimate={estimate} error={estimateError} />
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
