import { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, IThemeManager, MainAreaWidget, showErrorMessage, WidgetTracker } from '@jupyterlab/apputils';

import { CommandIDs } from '../commandIds';
import { ProjectsModel } from '../model';
import { openOrFocus, openOrFocusPanel, positiveInteger, projectArg } from '../panels';
import { chartTheme } from '../shared/chart';
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

/**
 * Training in JupyterLab: the Train panel of a project, a training panel per
 * run with live curves, and the comparison of runs; their commands, trackers
 * (restored with the layout) and palette entries.
 */
export function setupTraining({ app, model, restorer, palette, category }: ITrainingOptions): void {
  const { commands } = app;
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
      openOrFocusPanel(
        app,
        trains,
        content => content.projectId === projectId,
        {
          create: () => new TrainPanel(projectId, model, commands),
          id: `mass-ide-train-${projectId}`,
          icon: trainIcon,
          caption: name => `Train a model in ${name}`,
          label: name => `Train · ${name}`
        },
        model,
        projectId
      );
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
      openOrFocus(
        app,
        runs,
        content => content.runId === runId,
        () => {
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
          return widget;
        }
      );
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
      compares.find(widget => widget.content.projectId === projectId)?.content.addRuns(runIds);
      openOrFocusPanel(
        app,
        compares,
        content => content.projectId === projectId,
        {
          create: () => new ComparePanel(projectId, model, commands, runIds),
          id: `mass-ide-compare-${projectId}`,
          icon: compareIcon,
          caption: name => `Compare runs of ${name}`,
          label: name => `Compare · ${name}`
        },
        model,
        projectId
      );
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
