import { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, showErrorMessage, WidgetTracker } from '@jupyterlab/apputils';
import { deleteIcon, notebookIcon, refreshIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';

import { errorMessage, IProject, ITemplate } from './api';
import { CommandIDs } from './commandIds';
import { askProjectName, confirmDelete, pickProject, pickTemplate } from './dialogs';
import { massIcon, templateIcon } from './icons';
import { ProjectsModel } from './model';
import { openOrFocus } from './panels';
import { createProjectPanel, ProjectPanel, projectPanelId } from './projectPanel';

/** The command-palette category of every Mass IDE command. */
export const PALETTE_CATEGORY = 'Mass IDE';

/** What the commands work on. */
export interface ICommandContext {
  app: JupyterFrontEnd;
  model: ProjectsModel;
  /** The Mass sidebar. */
  sidebar: Widget;
  /** The open project panels. */
  tracker: WidgetTracker<MainAreaWidget<ProjectPanel>>;
}

/** A non-empty string argument of a command, if given. */
function stringArg(args: ReadonlyPartialJSONObject, name: string): string | undefined {
  const value = args[name];
  return typeof value === 'string' && value ? value : undefined;
}

/** The project named by `args.id`, else the one the user picks. */
async function projectFromArgs(
  model: ProjectsModel,
  args: ReadonlyPartialJSONObject,
  title: string
): Promise<IProject | undefined> {
  const id = stringArg(args, 'id');
  if (!id) {
    return pickProject(model, title);
  }
  if (!model.project(id)) {
    await model.refresh();
  }
  return model.project(id);
}

/** Register every Mass IDE command. */
export function registerCommands({ app, model, sidebar, tracker }: ICommandContext): void {
  const { commands, shell } = app;

  commands.addCommand(CommandIDs.newProject, {
    label: args => {
      const template = model.template(stringArg(args, 'template'));
      if (!template) {
        return 'New Mass IDE project…';
      }
      return args.isLauncher ? template.title : `New ${template.title} project`;
    },
    caption: args =>
      model.template(stringArg(args, 'template'))?.description ?? 'Create a Mass IDE project from a template',
    icon: args => templateIcon(model.template(stringArg(args, 'template'))?.modality),
    execute: async args => {
      const name = stringArg(args, 'template');
      let template: ITemplate | undefined;
      try {
        await model.loadTemplates();
        template = name ? model.template(name) : await pickTemplate(model);
      } catch (error) {
        await showErrorMessage('Could not load the project templates', errorMessage(error));
        return;
      }
      if (name && !template) {
        await showErrorMessage('Unknown template', `There is no project template called “${name}”.`);
        return;
      }
      const projectName = template && (await askProjectName(template));
      if (!template || !projectName) {
        return;
      }
      let project: IProject;
      try {
        project = await model.create(projectName, template.name);
      } catch (error) {
        await showErrorMessage('Could not create the project', errorMessage(error));
        return;
      }
      // Show the new project's overview with its notebook beside it.
      await commands.execute(CommandIDs.openProject, { id: project.id });
      if (project.notebook) {
        await commands.execute('docmanager:open', {
          path: project.notebook,
          options: { mode: 'split-right', ref: projectPanelId(project.id) }
        });
      }
    }
  });

  commands.addCommand(CommandIDs.openProject, {
    label: 'Open Mass IDE project…',
    caption: 'Open a project: its datasets, runs, models and deployments',
    icon: massIcon,
    execute: async args => {
      const id = stringArg(args, 'id') ?? (await pickProject(model, 'Open project'))?.id;
      if (!id) {
        return;
      }
      openOrFocus(app, tracker, content => content.projectId === id, () => createProjectPanel(id, model, commands));
    }
  });

  commands.addCommand(CommandIDs.openNotebook, {
    label: 'Open Mass IDE project notebook…',
    caption: "Open the project's notebook",
    icon: notebookIcon,
    execute: async args => {
      const project = await projectFromArgs(model, args, 'Open the notebook of');
      if (!project) {
        return;
      }
      if (!project.notebook) {
        await showErrorMessage(
          'No notebook to open',
          `The notebook of “${project.name}” lies outside the Jupyter server's root folder.`
        );
        return;
      }
      await commands.execute('docmanager:open', { path: project.notebook });
    }
  });

  commands.addCommand(CommandIDs.deleteProject, {
    label: 'Delete Mass IDE project…',
    caption: "Move a project to the workspace's trash",
    icon: deleteIcon,
    execute: async args => {
      const project = await projectFromArgs(model, args, 'Delete project');
      if (!project || !(await confirmDelete(project))) {
        return;
      }
      try {
        await model.remove(project.id);
      } catch (error) {
        await showErrorMessage('Could not delete the project', errorMessage(error));
        return;
      }
      tracker.find(widget => widget.content.projectId === project.id)?.dispose();
    }
  });

  commands.addCommand(CommandIDs.refresh, {
    label: 'Refresh Mass IDE projects',
    icon: refreshIcon,
    execute: () => model.refresh()
  });

  commands.addCommand(CommandIDs.showSidebar, {
    label: 'Show Mass IDE sidebar',
    icon: massIcon,
    execute: () => shell.activateById(sidebar.id)
  });
}
