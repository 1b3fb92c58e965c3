import { MainAreaWidget, ReactWidget } from '@jupyterlab/apputils';
import { notebookIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import React, { useEffect, useState } from 'react';

import { errorMessage, IProjectDetail, SectionKey } from './api';
import { CommandIDs } from './commandIds';
import { AnnotateButton, DatasetList, ImportButton, SampleDataButton } from './data/datasetList';
import { formatDate } from './format';
import { templateIcon } from './icons';
import { ProjectsModel } from './model';
import { LiveDeployments, RegistrySections, useProjectRegistry } from './models';
import { TeamSection } from './team/teamSection';
import { RunsSection } from './training';

/** The lists of a project drawn here, with what an empty one means (models and deployments come after). */
const SECTIONS: { key: SectionKey; title: string; empty: string; hint: string }[] = [
  {
    key: 'datasets',
    title: 'Datasets',
    empty: 'No datasets yet.',
    hint: 'Import tables, images, NIfTI volumes and DICOM series with the Import data button; each import becomes a dataset listed here.'
  },
  {
    key: 'runs',
    title: 'Runs',
    empty: 'No training runs yet.',
    hint: 'Train a model with the Train button: each run, with its live curves and evaluation report, is listed here.'
  }
];

interface IPanelProps {
  projectId: string;
  model: ProjectsModel;
  commands: CommandRegistry;
}

/** The project's header with its notebook button, its live deployments, its four sections, then its team. */
function ProjectView({ projectId, model, commands }: IPanelProps): JSX.Element {
  const [detail, setDetail] = useState<IProjectDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  // One poll of the registry for the live deployments at the top and the sections at the bottom.
  const registry = useProjectRegistry(projectId);

  useEffect(() => {
    let live = true;
    const reload = (): void => {
      model.detail(projectId).then(
        found => {
          if (live) {
            setDetail(found);
            setError(null);
          }
        },
        reason => {
          if (live) {
            setError(errorMessage(reason));
          }
        }
      );
    };
    reload();
    model.changed.connect(reload);
    return () => {
      live = false;
      model.changed.disconnect(reload);
    };
  }, [projectId, model]);

  if (error) {
    return <div className="mass-Message mass-mod-error">Cannot show this project: {error}</div>;
  }
  if (!detail) {
    return <div className="mass-Message">Loading project…</div>;
  }
  const template = model.template(detail.template);
  const Icon = templateIcon(template?.modality).react;
  const notebookTip = detail.notebook
    ? `Open ${detail.notebook}`
    : "The workspace lies outside the Jupyter server's root folder, so the notebook cannot be opened here.";
  return (
    <div className="mass-ProjectPanel-content">
      <header className="mass-ProjectPanel-header">
        <Icon className="mass-ProjectPanel-icon" tag="span" />
        <div className="mass-ProjectPanel-heading">
          <h1 className="mass-ProjectPanel-title">{detail.name}</h1>
          <div className="mass-ProjectPanel-template">{template?.title ?? detail.template} project</div>
        </div>
        <span className="mass-ProjectPanel-actions" title={notebookTip}>
          <button
            className="jp-mod-styled jp-mod-accept mass-ProjectPanel-notebook"
            disabled={!detail.notebook}
            onClick={() => void commands.execute(CommandIDs.openNotebook, { id: detail.id })}
          >
            <notebookIcon.react tag="span" className="mass-ButtonIcon" />
            Open notebook
          </button>
        </span>
      </header>
      {template && <p className="mass-ProjectPanel-description">{template.description}</p>}
      <dl className="mass-ProjectPanel-facts">
        <dt>Created</dt>
        <dd title={`${detail.created_at} by ${detail.created_by}`}>{formatDate(detail.created_at)}</dd>
        <dt>Folder</dt>
        {detail.path ? (
          <dd title={detail.path}>{detail.path}</dd>
        ) : (
          <dd className="mass-mod-missing">outside the Jupyter server's root folder</dd>
        )}
      </dl>
      <LiveDeployments registry={registry} commands={commands} />
      <div className="mass-ProjectPanel-sections">
        {SECTIONS.map(section => {
          if (section.key === 'runs') {
            // The runs come from their own route and stay live while they train.
            return <RunsSection key={section.key} projectId={detail.id} commands={commands} />;
          }
          const entries = detail[section.key];
          return (
            <section key={section.key} className="mass-Section" data-section={section.key}>
              <h2 className="mass-Section-title">
                {section.title}
                {section.key === 'datasets' && <ImportButton projectId={detail.id} commands={commands} />}
                <span className="mass-Section-count">{entries.length}</span>
              </h2>
              {entries.length === 0 ? (
                <div className="mass-Section-empty">
                  <strong>{section.empty}</strong> {section.hint}
                  {section.key === 'datasets' && (
                    <div className="mass-Section-next">
                      <SampleDataButton projectId={detail.id} onAdded={() => void model.refresh()} />
                    </div>
                  )}
                </div>
              ) : (
                <DatasetList
                  entries={entries}
                  commands={commands}
                  actions={dataset => <AnnotateButton datasetId={dataset.id} commands={commands} />}
                />
              )}
            </section>
          );
        })}
        <RegistrySections registry={registry} commands={commands} />
      </div>
      <TeamSection projectId={detail.id} />
    </div>
  );
}

/** The main-area content of one project (class `mass-ProjectPanel`). */
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

/** The DOM id of a project's main-area tab. */
export function projectPanelId(projectId: string): string {
  return `mass-ide-project-${projectId}`;
}

/** A main-area tab for one project, whose title follows the project list. */
export function createProjectPanel(
  projectId: string,
  model: ProjectsModel,
  commands: CommandRegistry
): MainAreaWidget<ProjectPanel> {
  const content = new ProjectPanel(projectId, model, commands);
  const panel = new MainAreaWidget({ content });
  panel.id = projectPanelId(projectId);
  panel.title.closable = true;
  const updateTitle = (): void => {
    const project = model.project(projectId);
    const template = model.template(project?.template);
    panel.title.label = project?.name ?? projectId;
    panel.title.caption = template ? `${project?.name} — ${template.title} project` : projectId;
    panel.title.icon = templateIcon(template?.modality);
  };
  updateTitle();
  model.changed.connect(updateTitle);
  panel.disposed.connect(() => model.changed.disconnect(updateTitle));
  return panel;
}
