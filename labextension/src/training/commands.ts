import { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, IThemeManager, MainAreaWidget, showErrorMessage, WidgetTracker } from '@jupyterlab/apputils';
import { LabIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';

import { CommandIDs } from '../commandIds';
import { pickProject } from '../dialogs';
import { ProjectsModel } from '../model';
import { chartTheme } from './chart';
import { ComparePanel } from './compare';
import { runTitle } from './format';
import { compareIcon, curveIcon, trainIcon } from './icons';
import { RunModel } from './runModel';
import { TrainingPanel } from './trainingPanel';
import { TrainPanel } from './trainPanel';

/** What the training panels need. */
export interface ITrainingOptions {
  app: JupyterFrontEnd;
  model: ProjectsModel;
  restorer: ILayoutRestorer | null;
  palette: ICommandPalette | null;
  /** The command-palette category. */
  category: string;
}

/** The project named by `args.projectId`, else the one the user picks. */
async function projectArg(model: ProjectsModel, args: ReadonlyPartialJSONObject, title: string): Promise<string | undefined> {
  const given = args.projectId;
  return typeof given === 'string' && given ? given : (await pickProject(model, title))?.id;
}

/** A positive whole number (a run id), given as a number or as digits. */
function positiveInteger(value: unknown): number | undefined {
  const id = typeof value === 'string' ? Number(value) : value;
  return typeof id === 'number' && Number.isInteger(id) && id > 0 ? id : undefined;
}

/** Open a panel of a project in the main area, tracked, its title following the project's name. */
function openProjectPanel<T extends Widget>(
  app: JupyterFrontEnd,
  tracker: WidgetTracker<MainAreaWidget<T>>,
  options: { content: T; id: string; icon: LabIcon; caption: string; label: (name: string) => string },
  model: ProjectsModel,
  projectId: string
): MainAreaWidget<T> {
  const panel = new MainAreaWidget({ content: options.content });
  panel.id = options.id;
  panel.title.icon = options.icon;
  panel.title.caption = options.caption;
  panel.title.closable = true;
  const update = (): void => {
    panel.title.label = options.label(model.project(projectId)?.name ?? projectId);
  };
  update();
  model.changed.connect(update);
  panel.disposed.connect(() => model.changed.disconnect(update));
  void tracker.add(panel);
  app.shell.add(panel, 'main');
  return panel;
}

/**
 * Training in JupyterLab: the Train panel of a project, a training panel per
 * run with live curves, and the comparison of runs; their commands, trackers
 * (restored with the layout) and palette entries.
 */
export function setupTraining({ app, model, restorer, palette, category }: ITrainingOptions): void {
  const { commands, shell } = app;
  const trains = new WidgetTracker<MainAreaWidget<TrainPanel>>({ namespace: 'mass-ide-train' });
  const runs = new WidgetTracker<MainAreaWidget<TrainingPanel>>({ namespace: 'mass-ide-run' });
  const compares = new WidgetTracker<MainAreaWidget<ComparePanel>>({ namespace: 'mass-ide-compare' });

  // The charts read the theme's colours again when it changes.
  void app.resolveOptionalService(IThemeManager).then(manager => manager && chartTheme.follow(manager));

  commands.addCommand(CommandIDs.train, {
    label: args => (args.projectId ? 'Train' : 'Train a model in a Mass IDE project…'),
    caption: 'Configure a training run on a frozen dataset version, or auto-tune its hyperparameters',
    icon: trainIcon,
    execute: async args => {
      const projectId = await projectArg(model, args, 'Train a model in');
      if (!projectId) {
        return;
      }
      const panel =
        trains.find(widget => widget.content.projectId === projectId) ??
        openProjectPanel(
          app,
          trains,
          {
            content: new TrainPanel(projectId, model, commands),
            id: `mass-ide-train-${projectId}`,
            icon: trainIcon,
            caption: 'Train a model',
            label: name => `Train · ${name}`
          },
          model,
          projectId
        );
      shell.activateById(panel.id);
    }
  });

  commands.addCommand(CommandIDs.openRun, {
    label: args => (args.runId ? `Run ${args.runId}` : 'Open training run'),
    caption: "A run's live curves, progress, log and evaluation report",
    icon: curveIcon,
    execute: async args => {
      const runId = positiveInteger(args.runId);
      if (runId === undefined) {
        await showErrorMessage('No run to open', 'Give the run to open as {"runId": 1}.');
        return;
      }
      let panel = runs.find(widget => widget.content.runId === runId);
      if (!panel) {
        const runModel = new RunModel(runId);
        const widget = new MainAreaWidget({ content: new TrainingPanel(runModel, model, commands) });
        widget.id = `mass-ide-run-${runId}`;
        widget.title.label = `Run ${runId}`;
        widget.title.icon = curveIcon;
        widget.title.closable = true;
        runModel.changed.connect(() => {
          const run = runModel.run;
          if (run) {
            const project = model.project(run.project_id)?.name ?? run.project_id;
            widget.title.label = runTitle(run);
            widget.title.caption = `${runTitle(run)} of ${project} — ${run.status}`;
          }
        });
        panel = widget;
        void runs.add(panel);
        shell.add(panel, 'main');
      }
      shell.activateById(panel.id);
    }
  });

  commands.addCommand(CommandIDs.compareRuns, {
    label: args => (args.projectId ? 'Compare runs' : 'Compare runs of a Mass IDE project…'),
    caption: 'Overlay one metric of several runs',
    icon: compareIcon,
    execute: async args => {
      const projectId = await projectArg(model, args, 'Compare the runs of');
      if (!projectId) {
        return;
      }
      const given = Array.isArray(args.runIds) ? args.runIds : [];
      const runIds = given.map(positiveInteger).filter((id): id is number => id !== undefined);
      const open = compares.find(widget => widget.content.projectId === projectId);
      open?.content.addRuns(runIds);
      const panel =
        open ??
        openProjectPanel(
          app,
          compares,
          {
            content: new ComparePanel(projectId, model, commands, runIds),
            id: `mass-ide-compare-${projectId}`,
            icon: compareIcon,
            caption: 'Compare runs',
            label: name => `Compare · ${name}`
          },
          model,
          projectId
        );
      shell.activateById(panel.id);
    }
  });

  if (restorer) {
    void restorer.restore(trains, {
      command: CommandIDs.train,
      args: panel => ({ projectId: panel.content.projectId }),
      name: panel => panel.content.projectId
    });
    void restorer.restore(runs, {
      command: CommandIDs.openRun,
      args: panel => ({ runId: panel.content.runId }),
      name: panel => String(panel.content.runId)
    });
    void restorer.restore(compares, {
      command: CommandIDs.compareRuns,
      args: panel => ({ projectId: panel.content.projectId }),
      name: panel => panel.content.projectId
    });
  }
  palette?.addItem({ command: CommandIDs.train, category });
  palette?.addItem({ command: CommandIDs.compareRuns, category });
}
