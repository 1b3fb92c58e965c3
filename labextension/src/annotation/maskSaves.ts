/** Saving mask slices: the pending slices, autosave, and optimistic concurrency against the server. */
import { errorMessage } from '../api';
import { IAnnotation, isConflict, ISliceRef, saveMaskSlice } from './api';
import { IMaskSlice } from './masks';
import { encodeGreyPNG } from './png';

/** Where the page's strokes stand against the server. */
export type SaveState = 'saved' | 'unsaved' | 'saving' | 'conflict' | 'error';

/** A slice's local values that the server does not have yet. */
interface IPendingSlice {
  itemId: number;
  slice: ISliceRef;
  mask: IMaskSlice;
  /** Bumped by every edit, so a save knows whether the slice changed while it ran. */
  edits: number;
}

/**
 * The mask slices of one item that the server does not have yet, and their
 * saving with optimistic concurrency: each pending slice is PUT with the
 * annotation version the last save returned. On a 409 nothing is dropped:
 * the slices stay pending until `reset()` (reload theirs) or a new version
 * and `flush()` (keep mine).
 */
export class MaskSaves {
  /**
   * @param onChange - called whenever the state, message or pending slices change.
   * @param onSaved - called with the annotation after each slice saved.
   */
  constructor(
    private readonly _onChange: () => void,
    private readonly _onSaved: (annotation: IAnnotation) => void
  ) {}

  get state(): SaveState {
    return this._state;
  }

  /** The server's conflict or error message, or null. */
  get message(): string | null {
    return this._message;
  }

  /** Whether some strokes are not saved yet. */
  get hasUnsaved(): boolean {
    return this._pending.size > 0;
  }

  /** The annotation version the next save starts from. */
  get version(): number {
    return this._version;
  }

  set version(version: number) {
    this._version = version;
  }

  /** The local values of a pending slice (by its key), if it has unsaved strokes. */
  pendingMask(key: string): IMaskSlice | undefined {
    return this._pending.get(key)?.mask;
  }

  /** Forget every pending slice. */
  clear(): void {
    this._pending.clear();
  }

  /** Record that slice `key` changed, and save it soon (not while in conflict). */
  edited(key: string, itemId: number, slice: ISliceRef, mask: IMaskSlice, delay: number): void {
    const pending = this._pending.get(key);
    if (pending) {
      pending.edits++;
    } else {
      this._pending.set(key, { itemId, slice, mask, edits: 1 });
    }
    if (this._state === 'conflict') {
      // Kept in the page until the user picks "Reload theirs" or "Keep mine".
      this._onChange();
      return;
    }
    this.setState('unsaved', null);
    this.schedule(delay);
  }

  /** Save the pending slices after `delay` milliseconds. */
  schedule(delay: number): void {
    window.clearTimeout(this._timer);
    this._timer = window.setTimeout(() => void this.flush(), delay);
  }

  /**
   * Save every pending slice now. Resolves true when the server has all of
   * them, false on a conflict or an error (the slices stay pending).
   */
  flush(): Promise<boolean> {
    window.clearTimeout(this._timer);
    this._saves = this._saves.then(() => this._saveAll());
    return this._saves;
  }

  /** Resolves once the saves under way have ended. */
  settled(): Promise<boolean> {
    return this._saves;
  }

  setState(state: SaveState, message: string | null): void {
    this._state = state;
    this._message = message;
    this._onChange();
  }

  /** Stop saving: no timer, and no slice PUT after this. */
  dispose(): void {
    this._isDisposed = true;
    window.clearTimeout(this._timer);
  }

  /** PUT the pending slices one by one, each from the version the last one returned. */
  private async _saveAll(): Promise<boolean> {
    if (this._state === 'conflict') {
      return false;
    }
    for (const [key, pending] of this._pending) {
      if (this._isDisposed) {
        return false;
      }
      const edits = pending.edits;
      this.setState('saving', null);
      try {
        const { values, columns, rows } = pending.mask;
        const png = await encodeGreyPNG(values, columns, rows);
        const annotation = await saveMaskSlice(pending.itemId, pending.slice, png, this._version);
        this._version = annotation.version;
        if (pending.edits === edits) {
          this._pending.delete(key);
        }
        this._onSaved(annotation);
      } catch (error) {
        this.setState(isConflict(error) ? 'conflict' : 'error', errorMessage(error));
        return false;
      }
    }
    if (this._pending.size > 0) {
      // Painted on while saving: save those strokes too.
      return this._saveAll();
    }
    this.setState('saved', null);
    return true;
  }

  private _isDisposed = false;
  private _message: string | null = null;
  private _pending = new Map<string, IPendingSlice>();
  private _saves: Promise<boolean> = Promise.resolve(true);
  private _state: SaveState = 'saved';
  private _timer = 0;
  private _version = 0;
}
