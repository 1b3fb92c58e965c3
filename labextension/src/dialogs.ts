import { Dialog, InputDialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';

import { IProject, ITemplate } from './api';
import { ProjectsModel } from './model';

/** Ask which template a new project starts from; undefined when cancelled. */
export async function pickTemplate(model: ProjectsModel): Promise<ITemplate | undefined> {
  const templates = await model.loadTemplates();
  const titles = templates.map(template => template.title);
  const choice = await InputDialog.getItem({
    title: 'New Mass IDE project',
    label: 'Template',
    items: titles,
    okLabel: 'Next'
  });
  if (!choice.button.accept || choice.value === null) {
    return undefined;
  }
  return templates[titles.indexOf(choice.value)];
}

/** Ask the new project's name; undefined when cancelled or left blank. */
export async function askProjectName(template: ITemplate): Promise<string | undefined> {
  const answer = await InputDialog.getText({
    title: `New ${template.title} project`,
    label: 'Project name',
    placeholder: 'e.g. Liver study 2026',
    okLabel: 'Create'
  });
  const name = answer.value?.trim();
  return answer.button.accept && name ? name : undefined;
}

/** Ask which project to act on; undefined when cancelled or there is none. */
export async function pickProject(model: ProjectsModel, title: string): Promise<IProject | undefined> {
  await model.refresh();
  const projects = model.projects;
  if (projects.length === 0) {
    await showErrorMessage(
      'No projects yet',
      model.error ?? "Create one from the Launcher's Mass IDE cards or the Mass sidebar's New project button."
    );
    return undefined;
  }
  const labels = projects.map(project => {
    const template = model.template(project.template)?.title ?? project.template;
    return `${project.name} — ${template}`;
  });
  const choice = await InputDialog.getItem({ title, label: 'Project', items: labels });
  if (!choice.button.accept || choice.value === null) {
    return undefined;
  }
  return projects[labels.indexOf(choice.value)];
}

/** Ask before moving a project to the trash. */
export async function confirmDelete(project: IProject): Promise<boolean> {
  const answer = await showDialog({
    title: 'Delete project',
    body: `Move project “${project.name}” to the trash? Nothing is erased: bring it back with “mass-ide projects restore ${project.id}”.`,
    buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Move to trash' })],
    defaultButton: 0
  });
  return answer.button.accept;
}
