import { Notification, ReactWidget } from '@jupyterlab/apputils';
import { caretLeftIcon, caretRightIcon, downloadIcon, LabIcon, saveIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import React from 'react';

import { errorMessage } from '../api';
import { CommandIDs } from '../commandIds';
import { traceIcon } from '../trace';
import { AnnotationModel } from './model';
import { SaveState } from './segmentation';

/** What the save indicator says in each state. */
const SAVE_TEXT: Record<SaveState, string> = {
  saved: 'Saved',
  saving: 'Saving…',
  unsaved: 'Unsaved',
  conflict: 'Conflict',
  error: 'Not saved'
};

/** A toolbar button with an icon and text. */
function TextButton(props: {
  icon: LabIcon;
  label: string;
  title: string;
  disabled?: boolean;
  onClick: () => void;
}): JSX.Element {
  return (
    <button className="mass-TextButton" title={props.title} disabled={props.disabled} onClick={props.onClick}>
      <props.icon.react tag="span" className="mass-ButtonIcon" />
      {props.label}
    </button>
  );
}

/**
 * The annotation view's toolbar: dataset and item, previous/next, the save
 * state, freezing a version and exporting the labels.
 */
export class AnnotationToolbar extends ReactWidget {
  constructor(
    private readonly _model: AnnotationModel,
    private readonly _commands: CommandRegistry
  ) {
    super();
    this.addClass('mass-AnnotationToolbar');
    this._model.changed.connect(this.update, this);
  }

  render(): JSX.Element {
    const model = this._model;
    const item = model.item;
    const count = model.items.length;
    const state = model.saveState;
    const segment = model.mode === 'segment';
    return (
      <>
        <span className="mass-AnnotationToolbar-dataset" title={model.dataset?.name}>
          {model.dataset?.name ?? 'Dataset'}
        </span>
        {item && (
          <>
            <span className="mass-AnnotationToolbar-separator">/</span>
            <span className="mass-AnnotationToolbar-item" title={item.key}>
              {item.key}
            </span>
          </>
        )}
        <span className="mass-AnnotationToolbar-pager">
          <button
            className="mass-IconButton"
            title="Previous item (←)"
            aria-label="Previous item"
            disabled={!item || model.position <= 0}
            onClick={() => void model.go(-1)}
          >
            <caretLeftIcon.react tag="span" />
          </button>
          <span className="mass-AnnotationToolbar-position">
            {item ? `${model.position + 1} of ${count}${model.unlabelledOnly ? ' unlabelled' : ''}` : '–'}
          </span>
          <button
            className="mass-IconButton"
            title="Next item (→)"
            aria-label="Next item"
            disabled={!item || model.position >= count - 1}
            onClick={() => void model.go(1)}
          >
            <caretRightIcon.react tag="span" />
          </button>
        </span>
        <span className="mass-AnnotationToolbar-spacer" />
        {model.loaded && model.mode !== 'unsupported' && (
          <span className="mass-SaveStatus" data-state={state} role="status" title={model.message ?? SAVE_TEXT[state]}>
            {SAVE_TEXT[state]}
          </span>
        )}
        {model.frozen && (
          <span className="mass-AnnotationToolbar-version" title={`Digest ${model.frozen.digest}`}>
            Version {model.frozen.number}
          </span>
        )}
        <TextButton
          icon={traceIcon}
          label="Trace"
          title="Where this item came from, and every model version trained on it"
          disabled={!item}
          onClick={() => item && void this._commands.execute(CommandIDs.openTrace, { item: item.id })}
        />
        <TextButton
          icon={saveIcon}
          label={this._busy === 'freeze' ? 'Freezing…' : 'Freeze version'}
          title="Record an immutable version of the dataset and its labels, for training"
          disabled={!model.loaded}
          onClick={() => void this._freeze()}
        />
        {segment ? (
          <TextButton
            icon={downloadIcon}
            label={this._busy === 'export' ? 'Exporting…' : 'Export for MONAI / nnU-Net'}
            title="Write images and masks as NIfTI with a dataset.json (Medical Segmentation Decathlon layout)"
            disabled={!model.loaded}
            onClick={() => void this._exportDecathlon()}
          />
        ) : (
          <a
            className="mass-TextButton"
            href={model.labelsCSVURL}
            download={`${model.dataset?.name ?? 'dataset'}-labels.csv`}
            title="Download every item's class as CSV"
          >
            <downloadIcon.react tag="span" className="mass-ButtonIcon" />
            Labels CSV
          </a>
        )}
      </>
    );
  }

  private async _freeze(): Promise<void> {
    if (this._busy) {
      return;
    }
    this._setBusy('freeze');
    try {
      const version = await this._model.freeze();
      Notification.success(`“${this._model.dataset?.name}” is frozen as version ${version.number}.`, {
        autoClose: 5000
      });
    } catch (error) {
      Notification.error(`Could not freeze a version: ${errorMessage(error)}`, { autoClose: false });
    } finally {
      this._setBusy(null);
    }
  }

  private async _exportDecathlon(): Promise<void> {
    if (this._busy) {
      return;
    }
    this._setBusy('export');
    try {
      const { folder, cases } = await this._model.exportDecathlon();
      const where = folder ?? "a folder outside the Jupyter server's root";
      Notification.success(`Exported ${cases} case${cases === 1 ? '' : 's'} to ${where}.`, {
        autoClose: false,
        actions: folder
          ? [
              {
                label: 'Show in file browser',
                callback: () => void this._commands.execute('filebrowser:go-to-path', { path: folder })
              }
            ]
          : []
      });
    } catch (error) {
      Notification.error(`Could not export: ${errorMessage(error)}`, { autoClose: false });
    } finally {
      this._setBusy(null);
    }
  }

  /** Mark a freeze or an export as running (the buttons stay enabled, so they keep the focus and its keys). */
  private _setBusy(busy: 'freeze' | 'export' | null): void {
    this._busy = busy;
    this.update();
  }

  private _busy: 'freeze' | 'export' | null = null;
}
