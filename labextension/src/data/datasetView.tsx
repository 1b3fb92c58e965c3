import { ReactWidget, UseSignal } from '@jupyterlab/apputils';
import { downloadIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import React, { useState } from 'react';

import { CommandIDs } from '../commandIds';
import { formatDate } from '../format';
import { massIcon } from '../icons';
import { ActionButton, ActionOutcome, useAction } from './action';
import { ProgressBar } from './charts';
import { exportDecathlon, getQuality, labelsCSVURL } from './client';
import { DatasetModel } from './datasetModel';
import { useRequest } from './hooks';
import { ItemsTab } from './items';
import { QualityView } from './quality';
import { RecipeTab } from './recipeTab';
import { ImportReport } from './report';
import { IDataset, kindTitle, plural } from './types';

/** The tabs of a dataset view. */
const TABS = [
  { key: 'items', title: 'Items' },
  { key: 'quality', title: 'Quality' },
  { key: 'recipe', title: 'Cleaning recipe' },
  { key: 'versions', title: 'Versions' },
  { key: 'export', title: 'Export' }
] as const;

type TabKey = (typeof TABS)[number]['key'];

interface IViewProps {
  model: DatasetModel;
  commands: CommandRegistry;
  /** Called after something created a dataset (a cleaned copy). */
  onCreated: (dataset: IDataset) => void;
}

/** The Quality tab: plots of missing values, distributions and class balance. */
function QualityTab({ dataset, generation }: { dataset: IDataset; generation: number }): JSX.Element {
  const { value, error } = useRequest(() => getQuality(dataset.id), [dataset.id, generation]);
  if (error) {
    return <div className="mass-Message mass-mod-error">Cannot compute the data quality: {error}</div>;
  }
  if (!value) {
    return <div className="mass-Message">Computing the data quality…</div>;
  }
  return (
    <div className="mass-QualityTab">
      <QualityView quality={value} />
    </div>
  );
}

/** The Versions tab: freeze, and the frozen versions. */
function VersionsTab({ model }: { model: DatasetModel }): JSX.Element {
  const action = useAction<'freeze'>();
  return (
    <div className="mass-VersionsTab">
      <div className="mass-Toolbar">
        <p className="mass-Hint mass-Toolbar-text">
          A version is an immutable snapshot of the items, labels and masks. Training runs point at one, so a
          result can always be traced back to exactly the data it saw.
        </p>
        <ActionButton
          state={action}
          what="freeze"
          label="Freeze a version"
          busyLabel="Freezing…"
          accept
          onRun={async () => `Froze version ${(await model.freeze()).number}.`}
        />
      </div>
      <ActionOutcome {...action} />
      {model.versions.length === 0 ? (
        <div className="mass-Section-empty">
          <strong>No frozen versions yet.</strong> Freeze the dataset once its labels are ready for training.
        </div>
      ) : (
        <table className="mass-Table mass-VersionTable">
          <thead>
            <tr>
              <th>Version</th>
              <th>Digest</th>
              <th>Frozen by</th>
              <th>When</th>
            </tr>
          </thead>
          <tbody>
            {model.versions.map(version => (
              <tr key={version.number}>
                <td>v{version.number}</td>
                <td className="mass-mod-mono" title={`SHA-256 ${version.digest}`}>
                  {version.digest.slice(0, 12)}
                </td>
                <td>{version.created_by}</td>
                <td title={version.created_at}>
                  {formatDate(version.created_at)}{' '}
                  {new Date(version.created_at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** The Export tab: labels as CSV; images and masks in the Decathlon layout. */
function ExportTab({ dataset }: { dataset: IDataset }): JSX.Element {
  const action = useAction<'export'>();
  return (
    <div className="mass-ExportTab">
      <div className="mass-ExportRow">
        <div>
          <div className="mass-ExportRow-title">Labels as CSV</div>
          <div className="mass-Hint">One row per item: key, label, who labelled it and when.</div>
        </div>
        <a className="mass-LinkButton" href={labelsCSVURL(dataset.id)} download>
          <downloadIcon.react tag="span" className="mass-ButtonIcon" />
          Download labels.csv
        </a>
      </div>
      {dataset.kind !== 'tabular' && (
        <div className="mass-ExportRow">
          <div>
            <div className="mass-ExportRow-title">Images and masks for MONAI or nnU-Net</div>
            <div className="mass-Hint">
              NIfTI files with a dataset.json in the Medical Segmentation Decathlon layout, in the project folder.
            </div>
          </div>
          <ActionButton
            state={action}
            what="export"
            label="Export"
            busyLabel="Exporting…"
            onRun={async () => {
              const answer = await exportDecathlon(dataset.id);
              const folder = answer.folder ?? "a folder outside the server's root";
              return `Wrote ${plural(answer.cases, 'case')} to ${folder}.`;
            }}
          />
        </div>
      )}
      <ActionOutcome {...action} />
    </div>
  );
}

/** The header: name, kind, items, labelling progress. */
function DatasetHeader({ model, commands }: { model: DatasetModel; commands: CommandRegistry }): JSX.Element | null {
  const dataset = model.dataset;
  if (!dataset) {
    return null;
  }
  const total = dataset.item_count;
  const percent = total > 0 ? Math.round((model.labelled / total) * 100) : 0;
  return (
    <header className="mass-DataHeader">
      <div className="mass-DataHeader-line">
        <h1 className="mass-DataHeader-title">{dataset.name}</h1>
        <span className="mass-KindBadge" data-kind={dataset.kind}>
          {kindTitle(dataset.kind)}
        </span>
        <span className="mass-Toolbar-spacer" />
        <button
          className="mass-TextButton"
          title="Open the dataset's project"
          onClick={() => void commands.execute(CommandIDs.openProject, { id: dataset.project_id })}
        >
          <massIcon.react tag="span" className="mass-ButtonIcon" />
          Open project
        </button>
      </div>
      <div className="mass-DataHeader-sub">
        {plural(total, 'item')} · imported {formatDate(dataset.created_at)} by {dataset.created_by}
        {dataset.source_name && dataset.source_name !== dataset.name && ` from ${dataset.source_name}`}
        {dataset.report.derived_from !== undefined && ` · cleaned from dataset ${dataset.report.derived_from}`}
      </div>
      <div className="mass-Labelling">
        <ProgressBar value={model.labelled} max={total} label="Labelling progress" />
        <span className="mass-Labelling-text">
          {model.labelled.toLocaleString()} of {plural(total, 'item')} labelled ({percent}%)
        </span>
      </div>
    </header>
  );
}

/** The dataset view's body: header, import report, tabs. */
function DatasetBody({ model, commands, onCreated }: IViewProps): JSX.Element {
  const [tab, setTab] = useState<TabKey>('items');
  const dataset = model.dataset;
  if (!dataset) {
    return model.error ? (
      <div className="mass-Message mass-mod-error">Cannot show this dataset: {model.error}</div>
    ) : (
      <div className="mass-Message">Loading dataset…</div>
    );
  }
  let body: JSX.Element;
  switch (tab) {
    case 'items':
      body = <ItemsTab dataset={dataset} generation={model.generation} commands={commands} />;
      break;
    case 'quality':
      body = <QualityTab dataset={dataset} generation={model.generation} />;
      break;
    case 'recipe':
      body = <RecipeTab dataset={dataset} onApplied={onCreated} />;
      break;
    case 'versions':
      body = <VersionsTab model={model} />;
      break;
    case 'export':
      body = <ExportTab dataset={dataset} />;
      break;
  }
  return (
    <div className="mass-DatasetView-content">
      <DatasetHeader model={model} commands={commands} />
      {model.error && <div className="mass-Message mass-mod-error">Cannot refresh: {model.error}</div>}
      <details className="mass-ReportDetails">
        <summary>Import report</summary>
        <ImportReport dataset={dataset} />
      </details>
      <div className="mass-Tabs" role="tablist" aria-label="Dataset">
        {TABS.map(({ key, title }) => (
          <button
            key={key}
            role="tab"
            id={`mass-dataset-${dataset.id}-tab-${key}`}
            aria-selected={tab === key}
            className={`mass-Tab${tab === key ? ' mass-mod-active' : ''}`}
            data-tab={key}
            onClick={() => setTab(key)}
          >
            {title}
          </button>
        ))}
      </div>
      <div
        className="mass-TabPanel"
        role="tabpanel"
        data-tab={tab}
        aria-labelledby={`mass-dataset-${dataset.id}-tab-${tab}`}
      >
        {body}
      </div>
    </div>
  );
}

/** The main-area view of one dataset (class `mass-DatasetView`). */
export class DatasetView extends ReactWidget {
  constructor(
    private readonly _model: DatasetModel,
    private readonly _commands: CommandRegistry,
    private readonly _onCreated: (dataset: IDataset) => void
  ) {
    super();
    this.addClass('mass-DatasetView');
    void _model.refresh();
  }

  /** The dataset shown. */
  get datasetId(): number {
    return this._model.datasetId;
  }

  /** The dataset's model. */
  get model(): DatasetModel {
    return this._model;
  }

  dispose(): void {
    this._model.dispose();
    super.dispose();
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this._model.changed}>
        {() => <DatasetBody model={this._model} commands={this._commands} onCreated={this._onCreated} />}
      </UseSignal>
    );
  }
}
