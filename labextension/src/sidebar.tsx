import { ReactWidget, UseSignal } from '@jupyterlab/apputils';
import { addIcon, deleteIcon, LabIcon, refreshIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import React from 'react';

import { IProject } from './api';
import { CommandIDs } from './commandIds';
import { formatDate } from './format';
import { massIcon, templateIcon } from './icons';
import { ProjectsModel } from './model';
import { modelIcon } from './models/icons';

interface IListProps {
  model: ProjectsModel;
  commands: CommandRegistry;
}

/** A small icon-only button. */
function IconButton(props: { icon: LabIcon; label: string; onClick: () => void }): JSX.Element {
  return (
    <button
      className="mass-IconButton"
      title={props.label}
      aria-label={props.label}
      onClick={event => {
        event.stopPropagation();
        props.onClick();
      }}
    >
      <props.icon.react tag="span" />
    </button>
  );
}

/** One row of the project list: opens the project on click or Enter. */
function ProjectRow({ project, model, commands }: IListProps & { project: IProject }): JSX.Element {
  const template = model.template(project.template);
  const Icon = templateIcon(template?.modality).react;
  const open = (): void => void commands.execute(CommandIDs.openProject, { id: project.id });
  const created = formatDate(project.created_at);
  return (
    <li
      className="mass-ProjectList-item"
      data-project-id={project.id}
      title={`Open ${project.name}\nCreated ${created} by ${project.created_by}`}
      tabIndex={0}
      onClick={open}
      onKeyDown={event => {
        if (event.key === 'Enter') {
          open();
        }
      }}
    >
      <Icon className="mass-ProjectList-icon" tag="span" />
      <div className="mass-ProjectList-text">
        <div className="mass-ProjectList-line">
          <span className="mass-ProjectList-name">{project.name}</span>
          <span className="mass-ProjectList-date">{formatDate(project.created_at, 'short')}</span>
        </div>
        <div className="mass-ProjectList-meta">{template?.title ?? project.template}</div>
      </div>
      <IconButton
        icon={modelIcon}
        label={`Models of ${project.name}: versions, deployments, test page`}
        onClick={() => void commands.execute(CommandIDs.openModels, { projectId: project.id })}
      />
      <IconButton
        icon={deleteIcon}
        label={`Move ${project.name} to the trash`}
        onClick={() => void commands.execute(CommandIDs.deleteProject, { id: project.id })}
      />
    </li>
  );
}

/** The sidebar's body: a header with its buttons, then the list, an empty state or an error. */
function ProjectList({ model, commands }: IListProps): JSX.Element {
  let body: JSX.Element;
  if (model.error) {
    body = <div className="mass-Message mass-mod-error">Cannot reach Mass IDE: {model.error}</div>;
  } else if (!model.loaded) {
    body = <div className="mass-Message">Loading projects…</div>;
  } else if (model.projects.length === 0) {
    body = (
      <div className="mass-Message mass-Sidebar-empty">
        No projects yet — create one from the Launcher's <strong>Mass IDE</strong> cards or the{' '}
        <strong>New project</strong> button.
      </div>
    );
  } else {
    body = (
      <ul className="mass-ProjectList">
        {model.projects.map(project => (
          <ProjectRow key={project.id} project={project} model={model} commands={commands} />
        ))}
      </ul>
    );
  }
  return (
    <>
      <div className="mass-Sidebar-header">
        <h2 className="mass-Sidebar-title">Projects</h2>
        <button
          className="mass-TextButton"
          title="Create a project from a template"
          onClick={() => void commands.execute(CommandIDs.newProject)}
        >
          <addIcon.react tag="span" className="mass-ButtonIcon" />
          New project
        </button>
        <IconButton
          icon={refreshIcon}
          label="Refresh projects"
          onClick={() => void commands.execute(CommandIDs.refresh)}
        />
      </div>
      {body}
    </>
  );
}

/** The Mass sidebar (id `mass-ide-sidebar`): the workspace's projects. */
export class ProjectsSidebar extends ReactWidget {
  constructor(
    private readonly _model: ProjectsModel,
    private readonly _commands: CommandRegistry
  ) {
    super();
    this.id = 'mass-ide-sidebar';
    this.addClass('mass-Sidebar');
    this.title.icon = massIcon;
    this.title.caption = 'Mass IDE';
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this._model.changed}>
        {() => <ProjectList model={this._model} commands={this._commands} />}
      </UseSignal>
    );
  }
}
