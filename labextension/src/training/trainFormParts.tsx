/**
 * The pieces of the Train form: the dataset and version pickers, the preset toggle, the time estimate, and a
 * count beside the button that uses it.
 */
import React from 'react';

import { IVersion } from '../data/types';
import { formatDate } from '../format';
import { keyLabel } from './config';
import { IDatasetOption, IRunEstimate, IRunOptions, Preset } from './types';

/** A dataset as the picker names it: "PBC labs — 418 of 418 records labelled". */
function datasetTitle(dataset: IDatasetOption): string {
  const noun = dataset.kind === 'tabular' ? 'records' : 'items';
  return `${dataset.name} — ${dataset.labelled} of ${dataset.item_count} ${noun} labelled`;
}

/** The dataset and version pickers. */
export function DataPicker(props: {
  datasets: IDatasetOption[];
  datasetId: number | null;
  onDataset: (id: number) => void;
  versions: IVersion[];
  version: number | null;
  onVersion: (version: number | null) => void;
}): JSX.Element {
  const { datasets, datasetId, versions, version } = props;
  const chosen = datasets.find(dataset => dataset.id === datasetId);
  return (
    <div className="mass-ConfigGrid mass-DataPicker">
      <label className="mass-ConfigField">
        <span className="mass-ConfigField-label">Dataset</span>
        <select
          className="mass-ConfigField-input mass-DatasetPicker"
          value={datasetId ?? ''}
          onChange={event => props.onDataset(Number(event.target.value))}
        >
          {datasets.map(dataset => (
            <option key={dataset.id} value={dataset.id}>
              {datasetTitle(dataset)}
            </option>
          ))}
        </select>
        {chosen && chosen.labelled === 0 ? (
          <span className="mass-ConfigField-hint mass-mod-error">
            No item of this dataset is labelled yet: label some in the annotation view first.
          </span>
        ) : (
          <span className="mass-ConfigField-hint">Labelled: what the task can learn from.</span>
        )}
      </label>
      <label className="mass-ConfigField">
        <span className="mass-ConfigField-label">Version</span>
        <select
          className="mass-ConfigField-input mass-VersionPicker"
          value={version ?? ''}
          onChange={event => props.onVersion(event.target.value ? Number(event.target.value) : null)}
        >
          <option value="">Freeze a new version now</option>
          {versions.map(found => (
            <option key={found.number} value={found.number}>
              v{found.number} · frozen {formatDate(found.created_at, 'short')} by {found.created_by} ·{' '}
              {found.digest.slice(0, 8)}
            </option>
          ))}
        </select>
        <span className="mass-ConfigField-hint">Every run trains on an immutable version of its data and labels.</span>
      </label>
    </div>
  );
}

/** What each preset is for, as the toggle says it. */
const PRESET_TITLES: Record<Preset, string> = { quick: 'Quick', full: 'Full' };

/** The preset toggle: Quick (minutes on a CPU) or Full (the project's config.json). */
export function PresetToggle(props: {
  options: IRunOptions;
  preset: Preset;
  onPreset: (preset: Preset) => void;
}): JSX.Element {
  const { options, preset } = props;
  const quick = options.presets.find(found => found.name === 'quick');
  const hint =
    preset === 'quick'
      ? `Quick changes ${quick ? Object.keys(quick.changes).map(keyLabel).join(', ').toLowerCase() : 'nothing'} to finish in minutes on a CPU; Full trains as the project's config.json says.`
      : `Full trains as the project's config.json says${options.device === 'cuda' ? ' (the default on this GPU)' : '; on this CPU it can take long'}.`;
  return (
    <div className="mass-PresetToggle">
      <span className="mass-Segmented" role="radiogroup" aria-label="Preset">
        {options.presets.map(found => (
          <button
            key={found.name}
            type="button"
            role="radio"
            aria-checked={found.name === preset}
            className={`mass-ToggleChip mass-PresetOption${found.name === preset ? ' mass-mod-on' : ''}`}
            data-preset={found.name}
            onClick={() => props.onPreset(found.name)}
          >
            {PRESET_TITLES[found.name]}
          </button>
        ))}
      </span>
      <span className="mass-ConfigField-hint">{hint}</span>
    </div>
  );
}

/** The time estimate beside Start: what it comes to and what it rests on. */
export function EstimateLine(props: { estimate: IRunEstimate | null; error: string | null }): JSX.Element | null {
  const { estimate, error } = props;
  if (error) {
    return <div className="mass-TrainEstimate mass-mod-error">No estimate: {error}</div>;
  }
  if (!estimate) {
    return null;
  }
  const where = estimate.device === 'cuda' ? 'the GPU' : 'this CPU';
  return (
    <div className="mass-TrainEstimate" title={`An estimate ${estimate.basis}.`}>
      <strong>Takes {estimate.duration}</strong> on {where} · {estimate.samples} labelled × {estimate.epochs}{' '}
      epoch{estimate.epochs === 1 ? '' : 's'}
      <span className="mass-TrainEstimate-basis">An estimate {estimate.basis}.</span>
    </div>
  );
}

/** A count (processes, trials) beside the button that uses it, with a hint. */
export function CountAction(props: {
  label: string;
  value: string;
  onValue: (text: string) => void;
  action: string;
  actionClass: string;
  disabled: boolean;
  onAction: () => void;
  hint: string;
}): JSX.Element {
  return (
    <div className="mass-TrainActions-group">
      <label className="mass-ConfigField mass-mod-compact">
        <span className="mass-ConfigField-label">{props.label}</span>
        <input
          className="mass-ConfigField-input"
          data-path={props.label.toLowerCase()}
          inputMode="numeric"
          value={props.value}
          onChange={event => props.onValue(event.target.value)}
        />
      </label>
      <button className={`jp-mod-styled ${props.actionClass}`} disabled={props.disabled} onClick={props.onAction}>
        {props.action}
      </button>
      <span className="mass-TrainActions-hint">{props.hint}</span>
    </div>
  );
}
