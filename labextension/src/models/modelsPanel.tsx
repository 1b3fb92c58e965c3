import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { refreshIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import React from 'react';

import { CommandIDs } from '../commandIds';
import { formatDate } from '../format';
import { ProjectsModel } from '../model';
import { ModelPanel } from '../panels';
import { useSignal } from '../shared/hooks';
import { VersionComparison } from './compareChart';
import { DeploymentList } from './deployments';
import { formatMetric, keyMetrics } from './format';
import { ModelsPanelModel } from './panelModel';
import { LiveDeployments } from './sections';
import { Select } from './select';
import { IModelDetail } from './types';
import { VersionView } from './versionView';

interface IViewProps {
  model: ModelsPanelModel;
  projects: ProjectsModel;
  commands: CommandRegistry;
  rendermime: IRenderMimeRegistry | null;
}

/** The versions of a model, newest first: tick to compare, click to show. */
function VersionList({ detail, model }: { detail: IModelDetail; model: ModelsPanelModel }): JSX.Element {
  const versions = [...detail.versions].sort((a, b) => b.number - a.number);
  const key = versions.length ? keyMetrics(versions[0].metrics, 1)[0]?.[0] : undefined;
  return (
    <div className="mass-TableScroll">
      <table className="mass-RunTable mass-VersionList" aria-label="Versions">
        <thead>
          <tr>
            <th title="Tick two or more to compare their metrics">Compare</th>
            <th>Version</th>
            <th title="The key metric of the newest version">{key ?? 'Key metric'}</th>
            <th>Registered</th>
          </tr>
        </thead>
        <tbody>
          {versions.map(version => {
            const selected = model.versionNumber === version.number;
            const show = (): void => void model.selectVersion(version.number);
            return (
              <tr
                key={version.number}
                className={`mass-VersionList-item${selected ? ' mass-mod-selected' : ''}`}
                data-version={version.number}
                data-deleted={version.deleted_at ? 'true' : undefined}
                aria-selected={selected}
                tabIndex={0}
                onClick={show}
                onKeyDown={event => event.key === 'Enter' && show()}
              >
                <td onClick={event => event.stopPropagation()}>
                  <input
                    type="checkbox"
                    aria-label={`Compare v${version.number}`}
                    checked={model.compared.includes(version.number)}
                    onChange={() => model.toggleCompared(version.number)}
                  />
                </td>
                <td>
                  <span className="mass-VersionTag">v{version.number}</span>
                  {version.aliases.map(alias => (
                    <span key={alias} className="mass-AliasChip" data-alias={alias}>
                      @{alias}
                    </span>
                  ))}
                  {version.deleted_at && <span className="mass-VersionList-deleted">deleted</span>}
                </td>
                <td className="mass-mod-number">{key ? formatMetric(version.metrics[key]) : '—'}</td>
                <td title={`${formatDate(version.created_at, 'time')} by ${version.created_by}`}>
                  {formatDate(version.created_at, 'short')}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The Models panel: model picker, the live deployments, versions, comparison, the version shown and the
 * project's deployments.
 */
function ModelsView({ model, projects, commands, rendermime }: IViewProps): JSX.Element {
  useSignal(model.changed);
  useSignal(projects.changed);
  const { registry } = model;
  const detail = model.model;
  const projectName = projects.project(model.projectId)?.name ?? model.projectId;
  const compared = (detail?.versions ?? [])
    .filter(version => model.compared.includes(version.number))
    .sort((a, b) => a.number - b.number);
  return (
    <div className="mass-ModelsPanel-content">
      <header className="mass-RunHeader">
        <div className="mass-RunHeader-heading">
          <h1 className="mass-RunHeader-title">Models</h1>
          <div className="mass-RunHeader-sub">
            {projectName} · registered versions with their lineage and model card; deploy, test and export
          </div>
        </div>
        <div className="mass-RunHeader-actions">
          {registry.models.length > 1 && (
            <Select
              label="Model"
              className="mass-ModelPicker"
              value={detail?.name ?? null}
              choices={registry.models.map(entry => [entry.name, entry.name])}
              onChange={name => void model.selectModel(name)}
            />
          )}
          <button
            className="mass-IconButton"
            title="Refresh models and deployments"
            aria-label="Refresh models and deployments"
            onClick={() => void registry.refresh()}
          >
            <refreshIcon.react tag="span" />
          </button>
        </div>
      </header>
      <LiveDeployments registry={registry} commands={commands} />
      {registry.error && <div className="mass-Message mass-mod-error">Cannot list the models: {registry.error}</div>}
      {model.error && <div className="mass-Message mass-mod-error">{model.error}</div>}
      {registry.models.length === 0 ? (
        <div className="mass-Section-empty">
          <strong>{registry.loaded ? 'No models yet.' : 'Loading models…'}</strong> Register a completed run with the
          Register button of its training panel; its best checkpoint becomes a version here.{' '}
          <button
            className="mass-LinkText"
            onClick={() => void commands.execute(CommandIDs.train, { projectId: model.projectId })}
          >
            Train a model
          </button>
        </div>
      ) : (
        detail && (
          <div className="mass-ModelsLayout">
            <section className="mass-RunSection mass-Versions">
              <h2 className="mass-RunSection-title">
                {detail.name}
                <span className="mass-RunSection-note">
                  {detail.task} · {detail.version_count} version{detail.version_count === 1 ? '' : 's'}
                </span>
              </h2>
              <VersionList detail={detail} model={model} />
              {compared.length >= 2 ? (
                <VersionComparison versions={compared} />
              ) : (
                <p className="mass-Report-note">Tick two or more versions to compare their metrics.</p>
              )}
            </section>
            {model.version ? (
              <VersionView version={model.version} model={model} commands={commands} rendermime={rendermime} />
            ) : (
              <div className="mass-Message">Loading the version…</div>
            )}
          </div>
        )
      )}
      <section className="mass-RunSection mass-Deployments">
        <h2 className="mass-RunSection-title">
          Deployments
          <span className="mass-RunSection-note">prediction endpoints of this project's models</span>
        </h2>
        {registry.deployments.length === 0 ? (
          <div className="mass-Section-empty">
            <strong>No deployments yet.</strong> Deploy a version with its Deploy button.
          </div>
        ) : (
          <DeploymentList deployments={registry.deployments} projectId={model.projectId} commands={commands} />
        )}
      </section>
    </div>
  );
}

/** The main-area content of a project's Models panel (class `mass-ModelsPanel`). */
export class ModelsPanel extends ModelPanel<ModelsPanelModel> {
  constructor(
    model: ModelsPanelModel,
    private readonly _projects: ProjectsModel,
    private readonly _commands: CommandRegistry,
    private readonly _rendermime: IRenderMimeRegistry | null
  ) {
    super(model, 'mass-ModelsPanel');
    this.node.dataset.projectId = model.projectId;
  }

  /** The project shown. */
  get projectId(): string {
    return this.model.projectId;
  }

  render(): JSX.Element {
    return (
      <ModelsView
        model={this.model}
        projects={this._projects}
        commands={this._commands}
        rendermime={this._rendermime}
      />
    );
  }
}
