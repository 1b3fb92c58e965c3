import { ReactWidget, UseSignal } from '@jupyterlab/apputils';
import { closeIcon, fileUploadIcon, folderIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import React, { useEffect, useRef, useState } from 'react';

import { CommandIDs } from '../commandIds';
import { ProjectsModel } from '../model';
import { ProgressBar } from './charts';
import { AnnotateButton, SampleDataButton } from './datasetList';
import { DeidentificationOptions } from './deidentificationOptions';
import { droppedEntries, folderFiles, pickedFolders } from './droppedFiles';
import { useRequest } from './hooks';
import { IFolderFile, IImportEntry, ImportModel, isFinished } from './importModel';
import { ImportReport } from './report';
import { BASIC_PROFILE, formatBytes, IDeidOptions } from './types';

/** What Mass IDE imports, in words. */
const SUPPORTED =
  'CSV, TSV or TXT tables · PNG, JPEG or TIFF images · NIfTI volumes (.nii, .nii.gz) · DICOM files · a folder or .zip of any one of these';

/** What the panel needs from the outside. */
export interface IImportPanelOptions {
  model: ImportModel;
  projects: ProjectsModel;
  commands: CommandRegistry;
  /** The paths selected in JupyterLab's file browser (relative to the server root). */
  fileBrowserSelection: () => string[];
}

/** The state line of an import and its progress bar. */
function Progress({ entry }: { entry: IImportEntry }): JSX.Element | null {
  if (entry.state === 'uploading' || entry.state === 'waiting') {
    const percent = entry.total > 0 ? Math.floor((entry.loaded / entry.total) * 100) : 0;
    const text =
      entry.state === 'waiting'
        ? `Waiting for the uploads before it · ${formatBytes(entry.total)}`
        : `${formatBytes(entry.loaded)} of ${formatBytes(entry.total)} · ${percent}%`;
    return (
      <>
        <ProgressBar value={entry.loaded} max={entry.total} label={`Uploading ${entry.source}`} />
        <div className="mass-Import-status">{text}</div>
      </>
    );
  }
  if (entry.state === 'importing') {
    const text = entry.upload
      ? `Uploaded ${formatBytes(entry.total)} · reading and converting on the server…`
      : 'Reading and converting on the server…';
    return (
      <>
        <ProgressBar value={entry.total} max={entry.total} label={`Importing ${entry.source}`} busy />
        <div className="mass-Import-status">{text}</div>
      </>
    );
  }
  return null;
}

/** One import: the file, its progress, then its report or the server's error. */
function ImportEntry(props: { entry: IImportEntry; model: ImportModel; commands: CommandRegistry }): JSX.Element {
  const { entry, model, commands } = props;
  const cancellable = entry.upload && (entry.state === 'uploading' || entry.state === 'waiting');
  return (
    <li className="mass-Import-entry" data-state={entry.state}>
      <div className="mass-Import-head">
        <span className="mass-Import-source" title={entry.source}>
          {entry.source}
        </span>
        {entry.upload && entry.total > 0 && <span className="mass-Import-size">{formatBytes(entry.total)}</span>}
        <span className="mass-Import-spacer" />
        {cancellable && (
          <button className="mass-TextButton" onClick={() => model.cancel(entry.id)}>
            Cancel
          </button>
        )}
        {entry.dataset && (
          <>
            <AnnotateButton datasetId={entry.dataset.id} commands={commands} />
            <button
              className="jp-mod-styled jp-mod-accept mass-SmallButton"
              onClick={() => void commands.execute(CommandIDs.openDataset, { datasetId: entry.dataset?.id ?? 0 })}
            >
              Open dataset
            </button>
          </>
        )}
      </div>
      <Progress entry={entry} />
      {entry.state === 'failed' && (
        <div className="mass-Import-error" role="alert">
          {entry.error}
        </div>
      )}
      {entry.state === 'cancelled' && <div className="mass-Import-status">Cancelled — nothing was imported.</div>}
      {entry.dataset && (
        <>
          <div className="mass-Import-done">
            Imported as <strong>{entry.dataset.name}</strong>
          </div>
          <ImportReport dataset={entry.dataset} />
        </>
      )}
    </li>
  );
}

/** What the list of imports calls the template's sample data. */
const SAMPLE_SOURCE = "The template's sample data";

/**
 * While the project has no dataset, the offer of its template's sample data; what it adds is
 * listed with the imports, with its next steps.
 */
function SampleDataOffer({ model, projects }: { model: ImportModel; projects: ProjectsModel }): JSX.Element | null {
  const { value: detail, reload } = useRequest(() => projects.detail(model.projectId), [model.projectId]);
  useEffect(() => {
    projects.changed.connect(reload);
    return () => {
      projects.changed.disconnect(reload);
    };
  }, [projects, reload]);
  if (!detail || detail.datasets.length > 0) {
    return null;
  }
  return (
    <div className="mass-Callout mass-SampleOffer">
      <span className="mass-SampleOffer-text">
        <strong>No data at hand?</strong> Try every step on the template's sample data: real and generated cases,
        already labelled.
      </span>
      <SampleDataButton projectId={model.projectId} onAdded={datasets => model.addFinished(SAMPLE_SOURCE, datasets)} />
    </div>
  );
}

/** The panel's body: name, drop zone and picker, server path, then the imports. */
function ImportView({ model, projects, commands, fileBrowserSelection }: IImportPanelOptions): JSX.Element {
  const [name, setName] = useState('');
  const [deid, setDeid] = useState<IDeidOptions>(BASIC_PROFILE);
  const [dragging, setDragging] = useState(false);
  const [folderError, setFolderError] = useState<string | null>(null);
  const [serverPath, setServerPath] = useState('');
  const [serverHint, setServerHint] = useState<string | null>(null);
  const picker = useRef<HTMLInputElement>(null);
  const folderPicker = useRef<HTMLInputElement>(null);
  useEffect(() => folderPicker.current?.setAttribute('webkitdirectory', ''), []);

  const upload = (files: File[]): void => {
    if (files.length > 0) {
      model.upload(files, name.trim() || undefined, deid);
      setName('');
    }
  };
  const uploadFolders = (folders: Map<string, IFolderFile[]>): void => {
    const single = folders.size === 1 ? name.trim() || undefined : undefined;
    folders.forEach((files, folder) => {
      if (files.length > 0) {
        model.uploadFolder(folder, files, single, deid);
      }
    });
    setName('');
  };
  const dropFolders = async (entries: FileSystemDirectoryEntry[]): Promise<void> => {
    try {
      const read = await Promise.all(entries.map(async entry => [entry.name, await folderFiles(entry)] as const));
      uploadFolders(new Map(read));
    } catch (error) {
      setFolderError(`The browser could not read the dropped folder: ${String(error)}`);
    }
  };
  const importFromServer = (): void => {
    const path = serverPath.trim().replace(/^\/+/, '');
    if (!path) {
      setServerHint('Type a path under the server root, or select a file or folder in the file browser first.');
      return;
    }
    setServerHint(null);
    void model.importPath(path, name.trim() || undefined, deid);
    setName('');
  };
  const useSelection = (): void => {
    const selected = fileBrowserSelection();
    if (selected.length === 0) {
      setServerHint("Nothing is selected in JupyterLab's file browser: click a file or folder there first.");
    } else if (selected.length > 1) {
      setServerHint(`${selected.length} items are selected in the file browser; select one file or folder.`);
    } else {
      setServerHint(null);
      setServerPath(selected[0]);
    }
  };
  const project = projects.project(model.projectId);

  return (
    <div className="mass-ImportPanel-content">
      <header className="mass-DataHeader">
        <h1 className="mass-DataHeader-title">Import data</h1>
        <div className="mass-DataHeader-sub">into {project?.name ?? model.projectId}</div>
      </header>
      <SampleDataOffer model={model} projects={projects} />

      <div className="mass-ImportOptions">
        <label className="mass-Field">
          <span className="mass-Field-label">Dataset name (optional)</span>
          <input
            className="jp-mod-styled mass-Field-input"
            value={name}
            placeholder="e.g. Lab values 2024"
            onChange={event => setName(event.target.value)}
          />
          <span className="mass-Field-hint">
            Used for the next import; several files at once each keep their file's name.
          </span>
        </label>
        <DeidentificationOptions options={deid} onChange={setDeid} />
      </div>

      <div
        className={`mass-DropZone${dragging ? ' mass-mod-dragging' : ''}`}
        onDragEnter={event => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragOver={event => {
          event.preventDefault();
          event.dataTransfer.dropEffect = 'copy';
        }}
        onDragLeave={event => {
          if (!event.currentTarget.contains(event.relatedTarget as Node | null)) {
            setDragging(false);
          }
        }}
        onDrop={event => {
          event.preventDefault();
          setDragging(false);
          const dropped = droppedEntries(event.dataTransfer);
          setFolderError(null);
          upload(dropped.files);
          void dropFolders(dropped.folders);
        }}
      >
        <fileUploadIcon.react tag="span" className="mass-DropZone-icon" />
        <div className="mass-DropZone-title">Drop files or folders here</div>
        <div className="mass-DropZone-formats">{SUPPORTED}</div>
        <div className="mass-DropZone-note">
          Each file becomes its own dataset; a folder becomes one dataset (a DICOM series, or images in one folder
          per class).
        </div>
        <div className="mass-DropZone-buttons">
          <button className="jp-mod-styled jp-mod-accept" onClick={() => picker.current?.click()}>
            Choose files…
          </button>
          <button className="jp-mod-styled" onClick={() => folderPicker.current?.click()}>
            Choose a folder…
          </button>
        </div>
        <input
          ref={picker}
          className="mass-DropZone-input"
          type="file"
          multiple
          aria-label="Files to import"
          onChange={event => {
            const files = Array.from(event.target.files ?? []);
            event.target.value = '';
            setFolderError(null);
            upload(files);
          }}
        />
        <input
          ref={folderPicker}
          className="mass-DropZone-input"
          type="file"
          aria-label="Folder to import"
          onChange={event => {
            const files = Array.from(event.target.files ?? []);
            event.target.value = '';
            setFolderError(null);
            uploadFolders(pickedFolders(files));
          }}
        />
      </div>
      {folderError && (
        <div className="mass-Notice" role="status">
          {folderError}
        </div>
      )}

      <section className="mass-ServerImport">
        <h2 className="mass-SubTitle">From the server</h2>
        <p className="mass-Hint">
          A file or folder already under the Jupyter server's root, such as a DICOM series folder or files you
          uploaded with the file browser.
        </p>
        <div className="mass-ServerImport-row">
          <input
            className="jp-mod-styled mass-Field-input mass-ServerImport-path"
            value={serverPath}
            placeholder="path/under/the/server/root"
            aria-label="Path on the server"
            onChange={event => setServerPath(event.target.value)}
            onKeyDown={event => {
              if (event.key === 'Enter') {
                importFromServer();
              }
            }}
          />
          <button
            className="mass-TextButton"
            title="Use the file or folder selected in JupyterLab's file browser"
            onClick={useSelection}
          >
            <folderIcon.react tag="span" className="mass-ButtonIcon" />
            Use file browser selection
          </button>
          <button className="jp-mod-styled jp-mod-accept" onClick={importFromServer}>
            Import
          </button>
        </div>
        {serverHint && <div className="mass-Field-hint mass-mod-warn">{serverHint}</div>}
      </section>

      {model.entries.length > 0 && (
        <section className="mass-Import-list">
          <div className="mass-Import-listHead">
            <h2 className="mass-SubTitle">Imports</h2>
            {model.entries.some(entry => isFinished(entry.state)) && (
              <button className="mass-TextButton" onClick={() => model.clearFinished()}>
                <closeIcon.react tag="span" className="mass-ButtonIcon" />
                Clear finished
              </button>
            )}
          </div>
          <ul className="mass-Import-entries">
            {model.entries.map(entry => (
              <ImportEntry key={entry.id} entry={entry} model={model} commands={commands} />
            ))}
          </ul>
        </section>
      )}

      {/* After the imports, so that what is under way keeps its place on the page. */}
      <section className="mass-PacsImport">
        <h2 className="mass-SubTitle">From the PACS</h2>
        <div className="mass-ServerImport-row">
          <p className="mass-Hint mass-PacsImport-text">
            Search the hospital's PACS by patient, date or accession number and retrieve series into this
            project, de-identified.
          </p>
          <button
            className="jp-mod-styled"
            onClick={() => void commands.execute(CommandIDs.openPacs, { projectId: model.projectId })}
          >
            Search the PACS…
          </button>
        </div>
      </section>
    </div>
  );
}

/** The main-area Import panel of one project (class `mass-ImportPanel`). */
export class ImportPanel extends ReactWidget {
  constructor(private readonly _options: IImportPanelOptions) {
    super();
    this.addClass('mass-ImportPanel');
  }

  /** The project the data goes into. */
  get projectId(): string {
    return this._options.model.projectId;
  }

  dispose(): void {
    this._options.model.dispose();
    super.dispose();
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this._options.model.changed}>{() => <ImportView {...this._options} />}</UseSignal>
    );
  }
}
