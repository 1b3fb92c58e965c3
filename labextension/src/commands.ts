import { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, InputDialog, MainAreaWidget, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';

import { errorMessage, IProject } from './api';
import { CommandIDs } from './commandIds';
import { massIcon, templateIcon } from './icons';
import { ProjectsModel } from './model';
import { ProjectPanel } from './projectPanel';

/** The palette category of every Mass IDE command. */
export const PALETTE_CATEGORY = 'Mass IDE';

/** Open project panels, by project id. */
const openPanels = new Map<string, MainAreaWidget<ProjectPanel>>();

/** A string argument of a command, if given. */
function stringArg(args: ReadonlyPartialJSONObject, name: string): string | undefined {
  const value = args[name];
  return typeof value === 'string' && value ? value : undefined;
}

/** Ask the user to choose a project; undefined when cancelled or there is none. */
async function pickProject(model: ProjectsModel, action: string): Promise<IProject | undefined> {
  await model.refresh();
  if (model.projects.length === 0) {
    await showErrorMessage('No projects', 'There is no project yet. Create one from the Launcher.');
    return undefined;
  }
  const labels = model.projects.map(project => `${project.name} (${project.id})`);
  const choice = await InputDialog.getItem({ title: `${action} project`, items: labels });
  if (!choice.button.accept || choice.value === null) {
    return undefined;
  }
  return model.projects[labels.indexOf(choice.value)];
}

/** Register every Mass IDE command; `sidebar` is the Mass sidebar widget. */
export function registerCommands(app: JupyterFrontEnd, model: ProjectsModel, sidebar: Widget): void {
  const { commands, shell } = app;

  commands.addCommand(CommandIDs.newProject, {
    label: args => {
      const template = model.template(stringArg(args, 'template') ?? '');
      if (!template) {
        return 'New Mass IDE Project…';
      }
      return args.isLauncher ? template.title : `New ${template.title} Project`;
    },
    caption: args => model.template(stringArg(args, 'template') ?? '')?.description ?? 'Create a project from a template',
    icon: args => templateIcon(model.template(stringArg(args, 'template') ?? '')?.modality),
    execute: async args => {
      let templateName = stringArg(args, 'template');
      if (!templateName) {
        const titles = (await model.loadTemplates()).map(template => template.title);
        const choice = await InputDialog.getItem({ title: 'New project from template', items: titles });
        if (!choice.button.accept || choice.value === null) {
          return;
        }
        templateName = model.templates[titles.indexOf(choice.value)].name;
      }
      const template = model.template(templateName);
      const answer = await InputDialog.getText({
        title: `New ${template?.title ?? templateName} project`,
        label: 'Project name',
        placeholder: 'e.g. Liver study 2026',
        okLabel: 'Create'
      });
      if (!answer.button.accept || !answer.value?.trim()) {
        return;
      }
      let project: IProject;
      try {
        project = await model.create(answer.value, templateName);
      } catch (error) {
        await showErrorMessage('Could not create the project', errorMessage(error));
        return;
      }
      await commands.execute(CommandIDs.openProject, { id: project.id });
      if (project.notebook) {
        await commands.execute(CommandIDs.openNotebook, { id: project.id });
      }
    }
  });

  commands.addCommand(CommandIDs.openProject, {
    label: 'Open Mass IDE Project…',
    caption: 'Open a project: its datasets, runs, models and deployments',
    icon: massIcon,
    execute: async args => {
      const id = stringArg(args, 'id') ?? (await pickProject(model, 'Open'))?.id;
      if (!id) {
        return;
      }
      let panel = openPanels.get(id);
      if (!panel || panel.isDisposed) {
        const content = new ProjectPanel(id, model, commands);
        panel = new MainAreaWidget({ content });
        panel.id = `mass-ide-project-${id}`;
        const project = model.projects.find(candidate => candidate.id === id);
        panel.title.label = project?.name ?? id;
        panel.title.icon = templateIcon(model.template(project?.template ?? '')?.modality);
        panel.title.closable = true;
        openPanels.set(id, panel);
        panel.disposed.connect(() => openPanels.delete(id));
        shell.add(panel, 'main');
      }
      shell.activateById(panel.id);
    }
  });

  commands.addCommand(CommandIDs.openNotebook, {
    label: 'Open Project Notebook',
    execute: async args => {
      const id = stringArg(args, 'id');
      const project = id ? await model.detail(id) : await pickProject(model, 'Open the notebook of a');
      if (project?.notebook) {
        await commands.execute('docmanager:open', { path: project.notebook });
      }
    }
  });

  commands.addCommand(CommandIDs.deleteProject, {
    label: 'Delete Mass IDE Project…',
    caption: 'Move a project to the workspace trash',
    execute: async args => {
      const id = stringArg(args, 'id');
      const project = id ? model.projects.find(candidate => candidate.id === id) : await pickProject(model, 'Delete');
      if (!project) {
        return;
      }
      const answer = await showDialog({
        title: 'Delete project',
        body: `Move project “${project.name}” to the trash? Its folder is kept in the workspace's trash and can be restored.`,
        buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Move to trash' })]
      });
      if (!answer.button.accept) {
        return;
      }
      try {
        await model.remove(project.id);
        openPanels.get(project.id)?.dispose();
      } catch (error) {
        await showErrorMessage('Could not delete the project', errorMessage(error));
      }
    }
  });

  commands.addCommand(CommandIDs.refresh, {
    label: 'Refresh Mass IDE Projects',
    execute: () => model.refresh()
  });

  commands.addCommand(CommandIDs.showSidebar, {
    label: 'Show Mass IDE Sidebar',
    icon: massIcon,
    execute: () => shell.activateById(sidebar.id)
  });
}
