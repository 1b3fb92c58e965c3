import { ReactWidget } from '@jupyterlab/apputils';
import { CommandRegistry } from '@lumino/commands';
import React, { useEffect, useState } from 'react';

import { errorMessage } from '../api';
import { CommandIDs } from '../commandIds';
import { listVersions } from '../data/client';
import { IVersion } from '../data/types';
import { ProjectsModel } from '../model';
import {
  estimateRun,
  getProjectConfig,
  getRunOptions,
  getStudy,
  listRuns,
  startRun,
  startStudy
} from './client';
import { overridesOf } from './config';
import { ConfigForm } from './configForm';
import { useSignal } from '../shared/hooks';
import { runEvents } from '../shared/runEvents';
import { StudyModel, StudyView } from './study';
import { CountAction, DataPicker, EstimateLine, PresetToggle } from './trainFormParts';
import { IRunEstimate, IRunOptions, Preset, TrainingConfig } from './types';

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
  const [versions, setVersions] = useState<IVersion[]>([]);
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
        const trial = runs.find(run => run.study_id != null);
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
