import { ReactWidget, UseSignal } from '@jupyterlab/apputils';
import { addIcon, deleteIcon, refreshIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import React from 'react';

import { IProject } from './api';
import { CommandIDs } from './commandIds';
import { massIcon, templateIcon } from './icons';
import { ProjectsModel } from './model';

/** A date-time from the API as the user's local date. */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleDateString();
}

interface IListProps {
  model: ProjectsModel;
  commands: CommandRegistry;
}

/** One row of the project list: open on click, delete from its button. */
function ProjectRow({ project, model, commands }: IListProps & { project: IProject }): JSX.Element {
  const template = model.template(project.template);
  const Icon = templateIcon(template?.modality).react;
  return (
    <li
      className="mass-ProjectList-item"
      data-project-id={project.id}
      title={`Open ${project.name}`}
      tabIndex={0}
      onClick={() => void commands.execute(CommandIDs.openProject, { id: project.id })}
      onKeyDown={event => {
        if (event.key === 'Enter') {
          void commands.execute(CommandIDs.openProject, { id: project.id });
        }
      }}
    >
      <Icon className="mass-ProjectList-icon" tag="span" />
      <div className="mass-ProjectList-text">
        <div className="mass-ProjectList-name">{project.name}</div>
        <div className="mass-ProjectList-meta">
          {template?.title ?? project.template} · {formatDate(project.created_at)}
        </div>
      </div>
      <button
        className="mass-IconButton"
        title={`Move ${project.name} to the trash`}
        aria-label={`Delete ${project.name}`}
        onClick={event => {
          event.stopPropagation();
          void commands.execute(CommandIDs.deleteProject, { id: project.id });
        }}
      >
        <deleteIcon.react tag="span" />
      </button>
    </li>
  );
}

/** The sidebar's body: toolbar, then the list, an empty state or an error. */
function ProjectList({ model, commands }: IListProps): JSX.Element {
  let body: JSX.Element;
  if (model.error) {
    body = <div className="mass-Message mass-mod-error">Cannot reach Mass IDE: {model.error}</div>;
  } else if (!model.loaded) {
    body = <div className="mass-Message">Loading projects…</div>;
  } else if (model.projects.length === 0) {
    body = (
      <div className="mass-Message">
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
          className="mass-IconButton"
          title="New project"
          aria-label="New project"
          onClick={() => void commands.execute(CommandIDs.newProject)}
        >
          <addIcon.react tag="span" />
        </button>
        <button
          className="mass-IconButton"
          title="Refresh projects"
          aria-label="Refresh projects"
          onClick={() => void commands.execute(CommandIDs.refresh)}
        >
          <refreshIcon.react tag="span" />
        </button>
      </div>
      {body}
    </>
  );
}

/** The Mass sidebar: the workspace's projects. */
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
