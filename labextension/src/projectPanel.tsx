import { ReactWidget } from '@jupyterlab/apputils';
import { notebookIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import React, { useEffect, useState } from 'react';

import { errorMessage, IProjectDetail } from './api';
import { CommandIDs } from './commandIds';
import { templateIcon } from './icons';
import { ProjectsModel } from './model';
import { formatDate } from './sidebar';

/** The four things a project holds, with what an empty list means today. */
const SECTIONS: { key: keyof Pick<IProjectDetail, 'datasets' | 'runs' | 'models' | 'deployments'>; title: string; empty: string }[] = [
  { key: 'datasets', title: 'Datasets', empty: 'No datasets yet. Importing data arrives with the Import panel.' },
  { key: 'runs', title: 'Runs', empty: 'No training runs yet. Training arrives with the Train panel.' },
  { key: 'models', title: 'Models', empty: 'No models yet. Finished runs will register their models here.' },
  { key: 'deployments', title: 'Deployments', empty: 'No deployments yet. Deploy a model version to test it online.' }
];

/** What to call an entry of a section: its name, else its id. */
function entryName(entry: unknown): string {
  const { name, id } = entry as { name?: string; id?: string | number };
  return name ?? String(id ?? '');
}

interface IPanelProps {
  projectId: string;
  model: ProjectsModel;
  commands: CommandRegistry;
}

/** The project's header, notebook button and sections. */
function ProjectView({ projectId, model, commands }: IPanelProps): JSX.Element {
  const [detail, setDetail] = useState<IProjectDetail | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const reload = (): void => {
      model.detail(projectId).then(
        found => {
          setDetail(found);
          setError(null);
        },
        reason => setError(errorMessage(reason))
      );
    };
    reload();
    model.changed.connect(reload);
    return () => {
      model.changed.disconnect(reload);
    };
  }, [projectId, model]);

  if (error) {
    return <div className="mass-Message mass-mod-error">{error}</div>;
  }
  if (!detail) {
    return <div className="mass-Message">Loading project…</div>;
  }
  const template = model.template(detail.template);
  const Icon = templateIcon(template?.modality).react;
  return (
    <>
      <header className="mass-ProjectPanel-header">
        <Icon className="mass-ProjectPanel-icon" tag="span" />
        <div>
          <h1 className="mass-ProjectPanel-title">{detail.name}</h1>
          <div className="mass-ProjectPanel-meta">
            {template?.title ?? detail.template} · created {formatDate(detail.created_at)} by {detail.created_by}
          </div>
        </div>
        <button
          className="jp-mod-styled jp-mod-accept mass-ProjectPanel-notebook"
          disabled={!detail.notebook}
          title={detail.notebook ? `Open ${detail.notebook}` : 'The workspace is outside the server root, so its notebook cannot be opened here'}
          onClick={() => void commands.execute(CommandIDs.openNotebook, { id: detail.id })}
        >
          <notebookIcon.react tag="span" className="mass-ButtonIcon" /> Open notebook
        </button>
      </header>
      {template && <p className="mass-ProjectPanel-description">{template.description}</p>}
      <div className="mass-ProjectPanel-sections">
        {SECTIONS.map(section => (
          <section key={section.key} className="mass-Section" data-section={section.key}>
            <h2 className="mass-Section-title">
              {section.title} <span className="mass-Section-count">{detail[section.key].length}</span>
            </h2>
            {detail[section.key].length === 0 ? (
              <div className="mass-Message">{section.empty}</div>
            ) : (
              <ul className="mass-Section-list">
                {detail[section.key].map((entry, index) => (
                  <li key={index}>{entryName(entry)}</li>
                ))}
              </ul>
            )}
          </section>
        ))}
      </div>
    </>
  );
}

/** The main-area panel of one project. */
export class ProjectPanel extends ReactWidget {
  constructor(
    readonly projectId: string,
    private readonly _model: ProjectsModel,
    private readonly _commands: CommandRegistry
  ) {
    super();
    this.addClass('mass-ProjectPanel');
  }

  render(): JSX.Element {
    return <ProjectView projectId={this.projectId} model={this._model} commands={this._commands} />;
  }
}
