import { editIcon, fileUploadIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import React, { useState } from 'react';

import { errorMessage } from '../api';
import { CommandIDs } from '../commandIds';
import { formatDate } from '../format';
import { addSampleData } from './client';
import { IDataset, kindTitle, plural } from './types';

/** The project panel's "Import data" button. */
export function ImportButton({ projectId, commands }: { projectId: string; commands: CommandRegistry }): JSX.Element {
  return (
    <button
      className="mass-TextButton mass-ImportButton"
      title="Upload tables, images, NIfTI volumes or DICOM series into this project"
      onClick={() => void commands.execute(CommandIDs.importData, { projectId })}
    >
      <fileUploadIcon.react tag="span" className="mass-ButtonIcon" />
      Import data
    </button>
  );
}

/** A dataset's small "Annotate" button: opens its annotation view. */
export function AnnotateButton({ datasetId, commands }: { datasetId: number; commands: CommandRegistry }): JSX.Element {
  return (
    <button
      className="mass-TextButton mass-AnnotateButton"
      title="Label the items of this dataset, or paint their masks"
      data-dataset-id={datasetId}
      onClick={event => {
        event.stopPropagation();
        void commands.execute(CommandIDs.annotate, { datasetId });
      }}
    >
      <editIcon.react tag="span" className="mass-ButtonIcon" />
      Annotate
    </button>
  );
}

/**
 * "Add the template's sample data": imports it (labelled, ready to train on) and calls `onAdded`
 * with the datasets added; busy while the server converts it, and an error stays beside the button.
 */
export function SampleDataButton(props: { projectId: string; onAdded: (datasets: IDataset[]) => void }): JSX.Element {
  const { projectId, onAdded } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const add = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      onAdded(await addSampleData(projectId));
    } catch (reason) {
      setError(errorMessage(reason));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="mass-SampleData">
      <button
        className="jp-mod-styled jp-mod-accept mass-SampleData-button"
        disabled={busy}
        title="Import this template's sample data (real and generated cases, already labelled) to try every step"
        onClick={() => void add()}
      >
        {busy ? 'Adding sample data…' : "Add the template's sample data"}
      </button>
      {error && <span className="mass-SampleData-error">{error}</span>}
    </span>
  );
}

/** Whether an entry of a project's list looks like a dataset. */
function isDataset(entry: unknown): entry is IDataset {
  return typeof entry === 'object' && entry !== null && 'id' in entry && 'kind' in entry;
}

/**
 * A project's datasets: name, kind, items and date; a row opens the dataset.
 * `actions` adds controls at the end of each row (their clicks do not open it).
 */
export function DatasetList(props: {
  entries: unknown[];
  commands: CommandRegistry;
  actions?: (dataset: IDataset) => React.ReactNode;
}): JSX.Element {
  const { entries, commands, actions } = props;
  const datasets = entries.filter(isDataset);
  return (
    <ul className="mass-DatasetList">
      {datasets.map(dataset => {
        const open = (): void => void commands.execute(CommandIDs.openDataset, { datasetId: dataset.id });
        return (
          <li
            key={dataset.id}
            className="mass-DatasetList-item"
            data-dataset-id={dataset.id}
            tabIndex={0}
            title={`Open ${dataset.name}\nImported ${formatDate(dataset.created_at)} by ${dataset.created_by}`}
            onClick={open}
            onKeyDown={event => {
              if (event.key === 'Enter') {
                open();
              }
            }}
          >
            <span className="mass-DatasetList-name">{dataset.name}</span>
            <span className="mass-KindBadge" data-kind={dataset.kind}>
              {kindTitle(dataset.kind)}
            </span>
            <span className="mass-DatasetList-meta">{plural(dataset.item_count, 'item')}</span>
            <span className="mass-DatasetList-meta">{formatDate(dataset.created_at, 'short')}</span>
            {actions && (
              <span
                className="mass-DatasetList-actions"
                onClick={event => event.stopPropagation()}
                onKeyDown={event => event.stopPropagation()}
              >
                {actions(dataset)}
              </span>
            )}
          </li>
        );
      })}
    </ul>
  );
}
