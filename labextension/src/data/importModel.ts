import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { errorMessage, IUpload, UploadCancelled } from '../api';
import {
  discardUploadFolder,
  importServerPath,
  importUploadFolder,
  openUploadFolder,
  uploadDataset,
  uploadFolderFile
} from './client';
import { BASIC_PROFILE, IDataset, IDeidOptions } from './types';

/** Where one import stands. */
export type ImportState = 'waiting' | 'uploading' | 'importing' | 'done' | 'failed' | 'cancelled';

/** A file of a dropped folder, with its path inside that folder ("series/IM0001.dcm"). */
export interface IFolderFile {
  path: string;
  file: File;
}

/** What waits its turn to upload: one file, or the files of one folder (one dataset either way). */
type Queued =
  | { entry: IImportEntry; name?: string; deid: IDeidOptions; file: File }
  | { entry: IImportEntry; name?: string; deid: IDeidOptions; folder: readonly IFolderFile[] };

/** One file upload or server-path import, as the Import panel lists it. */
export interface IImportEntry {
  /** Unique in this panel. */
  readonly id: number;
  /** The file's name, or the server path. */
  readonly source: string;
  /** Whether the bytes come from this browser (else the file lies on the server). */
  readonly upload: boolean;
  state: ImportState;
  /** Bytes sent so far, and in all (uploads only). */
  loaded: number;
  total: number;
  /** The imported dataset, once done. */
  dataset?: IDataset;
  /** The server's message, when failed. */
  error?: string;
}

/**
 * The imports of one project's Import panel. Uploads go one at a time, in
 * the order they were added, each file becoming its own dataset; a
 * server-path import starts at once. `changed` fires on every step and
 * progress event; `imported` fires once per dataset created.
 */
export class ImportModel implements IDisposable {
  constructor(readonly projectId: string) {}

  /** Emitted whenever an entry is added, progresses or ends. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emitted with each dataset an import created. */
  get imported(): ISignal<this, IDataset> {
    return this._imported;
  }

  /** Every import of this panel, newest first. */
  get entries(): readonly IImportEntry[] {
    return this._entries;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Queue files for upload; `name` names the dataset when there is one file; DICOM is de-identified with `deid`. */
  upload(files: readonly File[], name?: string, deid: IDeidOptions = BASIC_PROFILE): void {
    for (const file of files) {
      const entry = this._add(file.name, true, file.size);
      this._queue.push({ entry, file, deid, name: files.length === 1 ? name : undefined });
    }
    void this._drain();
  }

  /** Queue the files of a dropped folder for upload, to import as one dataset (a DICOM series, say). */
  uploadFolder(
    folderName: string,
    files: readonly IFolderFile[],
    name?: string,
    deid: IDeidOptions = BASIC_PROFILE
  ): void {
    const bytes = files.reduce((sum, { file }) => sum + file.size, 0);
    const entry = this._add(`${folderName} (${files.length} files)`, true, bytes);
    this._queue.push({ entry, folder: files, name, deid });
    void this._drain();
  }

  /** Import a file or folder under the server root. */
  async importPath(path: string, name?: string, deid: IDeidOptions = BASIC_PROFILE): Promise<void> {
    const entry = this._add(path, false, 0);
    entry.state = 'importing';
    this._changed.emit();
    try {
      this._succeed(entry, await importServerPath(this.projectId, path, name, deid));
    } catch (error) {
      this._fail(entry, error);
    }
  }

  /** List datasets the server made on its own (the template's sample data) as finished imports from `source`. */
  addFinished(source: string, datasets: readonly IDataset[]): void {
    for (const dataset of [...datasets].reverse()) {
      this._succeed(this._add(source, false, 0), dataset);
    }
  }

  /** Stop an upload in flight or waiting its turn. */
  cancel(id: number): void {
    const waiting = this._queue.findIndex(queued => queued.entry.id === id);
    if (waiting >= 0) {
      this._queue[waiting].entry.state = 'cancelled';
      this._queue.splice(waiting, 1);
      this._changed.emit();
    } else if (this._current?.entry.id === id) {
      this._current.upload.cancel();
    }
  }

  /** Forget the imports that have ended. */
  clearFinished(): void {
    this._entries = this._entries.filter(entry => !isFinished(entry.state));
    this._changed.emit();
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._queue.length = 0;
    this._current?.upload.cancel();
    Signal.clearData(this);
  }

  /** Upload the queued files and folders one after the other. */
  private async _drain(): Promise<void> {
    if (this._draining) {
      return;
    }
    this._draining = true;
    let next = this._queue.shift();
    while (next && !this._isDisposed) {
      const entry = next.entry;
      entry.state = 'uploading';
      this._changed.emit();
      try {
        const dataset = 'file' in next ? await this._uploadFile(next) : await this._uploadFolder(next);
        this._succeed(entry, dataset);
      } catch (error) {
        this._fail(entry, error);
      }
      this._current = null;
      next = this._queue.shift();
    }
    this._draining = false;
  }

  /** Upload one file as a dataset. */
  private _uploadFile({ entry, file, name, deid }: Queued & { file: File }): Promise<IDataset> {
    const upload = uploadDataset(this.projectId, file, name, deid, (loaded, total) => {
      entry.total = total;
      this._progress(entry, loaded);
    });
    this._current = { entry, upload };
    return upload.done;
  }

  /** Upload a folder's files into an upload folder one by one, then import it as one dataset. */
  private async _uploadFolder({
    entry,
    folder,
    name,
    deid
  }: Queued & { folder: readonly IFolderFile[] }): Promise<IDataset> {
    const token = await openUploadFolder(this.projectId);
    let sent = 0;
    try {
      for (const { path, file } of folder) {
        const upload = uploadFolderFile(this.projectId, token, path, file, loaded => this._progress(entry, sent + loaded));
        this._current = { entry, upload };
        await upload.done;
        sent += file.size;
      }
    } catch (error) {
      void discardUploadFolder(this.projectId, token).catch(() => undefined);
      throw error;
    }
    this._progress(entry, entry.total);
    return importUploadFolder(this.projectId, token, name, deid);
  }

  /** Record bytes sent; once the last byte is out, the server converts the data. */
  private _progress(entry: IImportEntry, loaded: number): void {
    entry.loaded = loaded;
    entry.state = loaded >= entry.total ? 'importing' : 'uploading';
    this._changed.emit();
  }

  private _add(source: string, upload: boolean, total: number): IImportEntry {
    const entry: IImportEntry = { id: ++this._ids, source, upload, state: 'waiting', loaded: 0, total };
    this._entries = [entry, ...this._entries];
    this._changed.emit();
    return entry;
  }

  private _succeed(entry: IImportEntry, dataset: IDataset): void {
    entry.state = 'done';
    entry.loaded = entry.total;
    entry.dataset = dataset;
    this._changed.emit();
    this._imported.emit(dataset);
  }

  private _fail(entry: IImportEntry, error: unknown): void {
    entry.state = error instanceof UploadCancelled ? 'cancelled' : 'failed';
    entry.error = error instanceof UploadCancelled ? undefined : errorMessage(error);
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _current: { entry: IImportEntry; upload: IUpload<IDataset | null> } | null = null;
  private _draining = false;
  private _entries: IImportEntry[] = [];
  private _ids = 0;
  private _imported = new Signal<this, IDataset>(this);
  private _isDisposed = false;
  private _queue: Queued[] = [];
}

/** Whether an import has ended, for better or worse. */
export function isFinished(state: ImportState): boolean {
  return state === 'done' || state === 'failed' || state === 'cancelled';
}
