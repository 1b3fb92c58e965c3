import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget, showErrorMessage, WidgetTracker } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';

import { registerAnnotation } from './annotation';
import { errorMessage, ITemplate } from './api';
import { CommandIDs } from './commandIds';
import { PALETTE_CATEGORY, registerCommands } from './commands';
import { setupDataPanels } from './data/commands';
import { ProjectsModel } from './model';
import { setupModels } from './models';
import { setupPacs } from './pacs';
import { ProjectPanel } from './projectPanel';
import { ProjectsSidebar } from './sidebar';
import { setupTrace } from './trace';
import { setupTraining } from './training';

/** The Launcher section holding one card per project template. */
const LAUNCHER_CATEGORY = 'Mass IDE';

/** The palette entries that take no arguments. */
const PALETTE_COMMANDS = [
  CommandIDs.newProject,
  CommandIDs.openProject,
  CommandIDs.openNotebook,
  CommandIDs.deleteProject,
  CommandIDs.refresh,
  CommandIDs.showSidebar
];

/** Add a Launcher card and a palette entry for each project template. */
async function addTemplateEntries(
  model: ProjectsModel,
  launcher: ILauncher | null,
  palette: ICommandPalette | null
): Promise<void> {
  let templates: readonly ITemplate[];
  try {
    templates = await model.loadTemplates();
  } catch (error) {
    await showErrorMessage('Mass IDE could not load its project templates', errorMessage(error));
    return;
  }
  templates.forEach((template, rank) => {
    launcher?.add({
      command: CommandIDs.newProject,
      args: { template: template.name, isLauncher: true },
      category: LAUNCHER_CATEGORY,
      rank
    });
    palette?.addItem({
      command: CommandIDs.newProject,
      args: { template: template.name },
      category: PALETTE_CATEGORY,
      rank
    });
  });
}

/**
 * Mass IDE in JupyterLab: the Mass sidebar, one panel per open project,
 * Launcher cards for the project templates and command-palette entries; the
 * data, PACS, annotation, training, model and trace panels set themselves up.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: 'mass-ide:plugin',
  description: 'Mass IDE: medical AI from raw data to a deployed model.',
  autoStart: true,
  optional: [ILauncher, ICommandPalette, ILayoutRestorer, IRenderMimeRegistry],
  activate: (
    app: JupyterFrontEnd,
    launcher: ILauncher | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    rendermime: IRenderMimeRegistry | null
  ): void => {
    const model = new ProjectsModel();
    const sidebar = new ProjectsSidebar(model, app.commands);
    const tracker = new WidgetTracker<MainAreaWidget<ProjectPanel>>({ namespace: 'mass-ide-project' });
    app.shell.add(sidebar, 'left', { rank: 200 });
    registerCommands({ app, model, sidebar, tracker });
    setupDataPanels({ app, model, restorer, palette, category: PALETTE_CATEGORY });
    setupPacs({ app, model, restorer, palette, category: PALETTE_CATEGORY });
    registerAnnotation({ app, restorer });
    setupTraining({ app, model, restorer, palette, category: PALETTE_CATEGORY });
    setupModels({ app, model, restorer, palette, rendermime, category: PALETTE_CATEGORY });
    setupTrace({ app, restorer });

    if (restorer) {
      restorer.add(sidebar, sidebar.id);
      void restorer.restore(tracker, {
        command: CommandIDs.openProject,
        args: panel => ({ id: panel.content.projectId }),
        name: panel => panel.content.projectId
      });
    }
    PALETTE_COMMANDS.forEach(command => palette?.addItem({ command, category: PALETTE_CATEGORY }));
    void model.refresh();
    void addTemplateEntries(model, launcher, palette);
  }
};

export default plugin;
