import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, showErrorMessage } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';

import { errorMessage } from './api';
import { CommandIDs } from './commandIds';
import { PALETTE_CATEGORY, registerCommands } from './commands';
import { ProjectsModel } from './model';
import { ProjectsSidebar } from './sidebar';

/** The Launcher section of the template cards. */
const LAUNCHER_CATEGORY = 'Mass IDE';

/**
 * Mass IDE in JupyterLab: the Mass sidebar, project panels, Launcher cards
 * for the project templates and command-palette entries.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: 'mass-ide:plugin',
  description: 'Mass IDE: medical AI from raw data to a deployed model.',
  autoStart: true,
  optional: [ILauncher, ICommandPalette, ILayoutRestorer],
  activate: async (
    app: JupyterFrontEnd,
    launcher: ILauncher | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null
  ): Promise<void> => {
    const model = new ProjectsModel();
    const sidebar = new ProjectsSidebar(model, app.commands);
    app.shell.add(sidebar, 'left', { rank: 200 });
    restorer?.add(sidebar, sidebar.id);
    registerCommands(app, model, sidebar);
    void model.refresh();

    for (const command of [CommandIDs.openProject, CommandIDs.deleteProject, CommandIDs.refresh, CommandIDs.showSidebar]) {
      palette?.addItem({ command, category: PALETTE_CATEGORY });
    }
    palette?.addItem({ command: CommandIDs.newProject, category: PALETTE_CATEGORY });

    let templates;
    try {
      templates = await model.loadTemplates();
    } catch (error) {
      void showErrorMessage('Mass IDE could not load its project templates', errorMessage(error));
      return;
    }
    templates.forEach((template, rank) => {
      launcher?.add({
        command: CommandIDs.newProject,
        args: { template: template.name, isLauncher: true },
        category: LAUNCHER_CATEGORY,
        rank
      });
      palette?.addItem({ command: CommandIDs.newProject, args: { template: template.name }, category: PALETTE_CATEGORY });
    });
  }
};

export default plugin;
