/**
 * The segmentation state model. Undo/redo (`MaskHistory`) and saving (`MaskSaves`) live apart; the rest
 * stays one piece because the slice on show, its mask, the tools and the history share one state.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { errorMessage } from '../api';
import { Axis, getAnnotation, IAnnotation, IItem, IMaskClass, ISliceRef } from './api';
import { ISnapshot, MaskHistory } from './maskHistory';
import { floodFill, IMaskSlice, IPoint, IRegion, paintLine } from './masks';
import { MaskSaves, SaveState } from './maskSaves';
import {
  fetchMaskSlice,
  fetchSliceImage,
  IMAGE_WINDOW,
  ISliceGeometry,
  IWindow,
  sliceGeometry,
  VOLUME_WINDOW
} from './slices';

export type { SaveState };

/** What a left-button drag or click does. */
export type Tool = 'brush' | 'eraser' | 'fill';

/** Save this long after the last stroke ends. */
const AUTOSAVE_DELAY_MS = 500;
/** Re-render the slice this long after the window last changed (while dragging). */
const WINDOW_DELAY_MS = 120;
export const MIN_BRUSH = 1;
export const MAX_BRUSH = 64;

/**
 * The segmentation of one item at a time: the slice on show, its mask, the
 * painting tools, undo/redo, and autosave with optimistic concurrency.
 *
 * Undo and redo keep one history per item, across slices and axes: undoing a
 * change made on another slice or axis shows that slice first. Slices of two
 * axes cross, so the steps are undone strictly in reverse order.
 *
 * Strokes change the mask slice in place and land in a pending list
 * (`MaskSaves`); a save PUTs each pending slice with the annotation version
 * it started from. On a 409 nothing local is dropped: the pending slices stay
 * until the user picks `reloadTheirs()` or `keepMine()`.
 */
export class SegmentationModel implements IDisposable {
  constructor(readonly classes: readonly IMaskClass[]) {
    this._activeClass = classes.find(option => option.value !== 0)?.value ?? 1;
  }

  /** Emitted when anything the controls show changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emitted when the slice picture is replaced. */
  get imageChanged(): ISignal<this, void> {
    return this._imageChanged;
  }

  /** Emitted when mask pixels change: the region, or null for the whole slice. */
  get maskChanged(): ISignal<this, IRegion | null> {
    return this._maskChanged;
  }

  /** Emitted with the annotation after each successful save. */
  get saved(): ISignal<this, IAnnotation> {
    return this._saved;
  }

  get item(): IItem | null {
    return this._item;
  }

  get axis(): Axis {
    return this._axis;
  }

  /** The slice index, 0-based. */
  get index(): number {
    return this._index;
  }

  /** The slices along the current axis (null until an item with a known size is open). */
  get geometry(): ISliceGeometry | null {
    return this._geometry;
  }

  /** Whether the item has coronal and sagittal slices too. */
  get isVolume(): boolean {
    return this._item?.kind === 'volume';
  }

  /** The rendered slice, or null while the first one loads. */
  get image(): ImageBitmap | null {
    return this._image;
  }

  /** The mask of the slice on show. */
  get mask(): IMaskSlice | null {
    return this._mask;
  }

  get loading(): boolean {
    return this._loading;
  }

  /** Why the slice could not be shown, or null. */
  get loadError(): string | null {
    return this._loadError;
  }

  get tool(): Tool {
    return this._tool;
  }

  /** Brush and eraser diameter in slice pixels. */
  get brushSize(): number {
    return this._brushSize;
  }

  /** The mask value the brush and flood fill paint. */
  get activeClass(): number {
    return this._activeClass;
  }

  /** How opaque the mask overlay is, 0–1. */
  get opacity(): number {
    return this._opacity;
  }

  get window(): IWindow {
    return this._window;
  }

  get saveState(): SaveState {
    return this._saves.state;
  }

  /** The server's conflict or error message, or null. */
  get message(): string | null {
    return this._saves.message;
  }

  /** Whether some strokes are not saved yet. */
  get hasUnsaved(): boolean {
    return this._saves.hasUnsaved;
  }

  /** The annotation version the next save starts from. */
  get version(): number {
    return this._saves.version;
  }

  get canUndo(): boolean {
    return this._history.canUndo;
  }

  get canRedo(): boolean {
    return this._history.canRedo;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Show `item` from its middle axial slice. The caller saves the previous
   * item first (`flush()`); what was not saved is dropped here.
   */
  async open(item: IItem): Promise<void> {
    const kindChanged = this._item?.kind !== item.kind;
    this._item = item;
    this._saves.version = item.annotation?.version ?? 0;
    this._saves.clear();
    this._history.clear();
    this._saves.setState('saved', null);
    if (kindChanged) {
      this._window = item.kind === 'volume' ? VOLUME_WINDOW : IMAGE_WINDOW;
    }
    this._axis = 'axial';
    this._geometry = sliceGeometry(item, this._axis);
    this._index = Math.floor((this._geometry?.count ?? 1) / 2);
    await this._load();
  }

  /** Show the slices along another axis (from `index`, else the middle one), after saving the current ones. */
  async setAxis(axis: Axis, index?: number): Promise<void> {
    if (!this._item || axis === this._axis || (!this.isVolume && axis !== 'axial')) {
      return;
    }
    this.endStroke();
    if (!(await this.flush())) {
      return;
    }
    const geometry = sliceGeometry(this._item, axis);
    this._axis = axis;
    this._geometry = geometry;
    this._index = index ?? Math.floor((geometry?.count ?? 1) / 2);
    await this._load();
  }

  /** Show slice `index` (clamped), saving the current one's strokes in the background. */
  async setIndex(index: number): Promise<void> {
    const count = this._geometry?.count ?? 1;
    const next = Math.min(Math.max(Math.round(index), 0), count - 1);
    if (!this._item || next === this._index) {
      return;
    }
    this.endStroke();
    if (this._saves.hasUnsaved) {
      this._saves.schedule(0);
    }
    this._index = next;
    await this._load();
  }

  /** Move `delta` slices. */
  step(delta: number): Promise<void> {
    return this.setIndex(this._index + delta);
  }

  setTool(tool: Tool): void {
    this._tool = tool;
    this._changed.emit();
  }

  setBrushSize(size: number): void {
    this._brushSize = Math.min(Math.max(Math.round(size), MIN_BRUSH), MAX_BRUSH);
    this._changed.emit();
  }

  /** Paint with the class of mask value `value` (the eraser gives way to the brush). */
  setActiveClass(value: number): void {
    if (!this.classes.some(option => option.value === value)) {
      return;
    }
    this._activeClass = value;
    if (this._tool === 'eraser') {
      this._tool = 'brush';
    }
    this._changed.emit();
  }

  setOpacity(opacity: number): void {
    this._opacity = Math.min(Math.max(opacity, 0), 1);
    this._changed.emit();
  }

  /** Change the display window; the slice is re-rendered by the server shortly after. */
  setWindow(next: IWindow): void {
    this._window = { ...next, width: Math.max(next.width, 1) };
    this._changed.emit();
    if (next.preset === null) {
      this._scheduleImage();
    } else {
      void this._loadImage();
    }
  }

  /** The window the item opened with. */
  resetWindow(): void {
    this.setWindow(this.isVolume ? VOLUME_WINDOW : IMAGE_WINDOW);
  }

  /** Start a stroke: remember the slice for undo. False when there is nothing to paint on. */
  beginStroke(): boolean {
    if (!this._mask || this._stroke) {
      return false;
    }
    this._pushUndo();
    this._stroke = { changed: false };
    return true;
  }

  /** Paint the stroke's segment `from` → `to` with the brush or the eraser. */
  strokeTo(from: IPoint, to: IPoint): void {
    if (!this._mask || !this._stroke) {
      return;
    }
    const value = this._tool === 'eraser' ? 0 : this._activeClass;
    const region = paintLine(this._mask, from, to, this._brushSize, value);
    if (region) {
      this._stroke.changed = true;
      this._maskChanged.emit(region);
    }
  }

  /** End the stroke; its slice is saved shortly after. */
  endStroke(): void {
    if (!this._stroke) {
      return;
    }
    const { changed } = this._stroke;
    this._stroke = null;
    if (changed) {
      this._edited();
    } else {
      this._history.undo.pop();
    }
  }

  /** Fill the connected region under `at` with the active class. */
  fill(at: IPoint): void {
    if (!this._mask || this._stroke) {
      return;
    }
    this._pushUndo();
    const region = floodFill(this._mask, at, this._activeClass);
    if (region) {
      this._maskChanged.emit(region);
      this._edited();
    } else {
      this._history.undo.pop();
    }
  }

  /** Undo the item's last change, showing its slice first. */
  undo(): Promise<void> {
    return this._restore(this._history.undo, this._history.redo);
  }

  /** Redo the last undone change, showing its slice first. */
  redo(): Promise<void> {
    return this._restore(this._history.redo, this._history.undo);
  }

  /**
   * Save every pending slice now. Resolves true when the server has all of
   * them, false on a conflict or an error (the slices stay pending).
   */
  flush(): Promise<boolean> {
    return this._saves.flush();
  }

  /** After a conflict: drop the local strokes and show what the server has. */
  async reloadTheirs(): Promise<void> {
    if (!this._item) {
      return;
    }
    await this._saves.settled();
    const annotation = await getAnnotation(this._item.id);
    this._saves.version = annotation.version;
    this._saves.clear();
    this._history.clear();
    this._saves.setState('saved', null);
    await this._load();
  }

  /** After a conflict: take the server's newest version number and save the local strokes over it. */
  async keepMine(): Promise<boolean> {
    if (!this._item) {
      return false;
    }
    await this._saves.settled();
    try {
      this._saves.version = (await getAnnotation(this._item.id)).version;
    } catch (error) {
      this._saves.setState('error', errorMessage(error));
      return false;
    }
    this._saves.setState('unsaved', null);
    return this.flush();
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._saves.dispose();
    window.clearTimeout(this._imageTimer);
    this._image?.close();
    Signal.clearData(this);
  }

  /** The pending-list key of the slice on show. */
  private get _key(): string {
    return `${this._item?.id}:${this._axis}:${this._index}`;
  }

  private _pushUndo(): void {
    if (this._mask) {
      this._history.push({ axis: this._axis, index: this._index }, this._mask.values);
    }
  }

  /**
   * Undo or redo: show the slice of the newest snapshot of `from` (another axis: after saving this one's
   * strokes), then swap its values with the snapshot, keeping them in `to`.
   */
  private async _restore(from: ISnapshot[], to: ISnapshot[]): Promise<void> {
    const snapshot = from[from.length - 1];
    if (!snapshot || this._stroke) {
      return;
    }
    const { axis, index } = snapshot.slice;
    if (axis !== this._axis) {
      await this.setAxis(axis, index);
    } else if (index !== this._index) {
      await this.setIndex(index);
    }
    const here = this._axis === axis && this._index === index && !this._loading;
    if (!here || !this._mask || this._stroke || from[from.length - 1] !== snapshot) {
      return; // could not show the slice (a conflict, an error), or another undo got there first
    }
    from.pop();
    to.push({ slice: snapshot.slice, values: this._mask.values.slice() });
    this._mask.values.set(snapshot.values);
    this._maskChanged.emit(null);
    this._edited();
  }

  /** Record that the slice on show changed, and save it soon. */
  private _edited(): void {
    if (!this._item || !this._mask) {
      return;
    }
    const slice = { axis: this._axis, index: this._index };
    this._saves.edited(this._key, this._item.id, slice, this._mask, AUTOSAVE_DELAY_MS);
  }

  /** Fetch the slice on show and its mask (the local one when it has unsaved strokes). */
  private async _load(): Promise<void> {
    const item = this._item;
    const geometry = this._geometry;
    const request = ++this._loads;
    this._loading = !!item && !!geometry;
    this._loadError = geometry ? null : 'This item does not say its size, so it cannot be painted.';
    this._changed.emit();
    if (!item || !geometry) {
      return;
    }
    const slice = { axis: this._axis, index: this._index };
    const pending = this._saves.pendingMask(this._key);
    try {
      const [image, mask] = await Promise.all([
        this._fetchImage(item.id, slice),
        pending ? Promise.resolve(pending) : fetchMaskSlice(item.id, slice)
      ]);
      if (request !== this._loads) {
        image.close();
        return;
      }
      if (mask.rows !== geometry.rows || mask.columns !== geometry.columns) {
        throw new Error(
          `the mask slice is ${mask.columns}×${mask.rows} pixels, the item ${geometry.columns}×${geometry.rows}`
        );
      }
      this._image?.close();
      this._image = image;
      this._mask = mask;
      this._loadError = null;
      this._imageChanged.emit();
      this._maskChanged.emit(null);
    } catch (error) {
      if (request === this._loads) {
        this._loadError = errorMessage(error);
      }
    } finally {
      if (request === this._loads) {
        this._loading = false;
        this._changed.emit();
      }
    }
  }

  /** Re-render only the picture (the window changed). */
  private async _loadImage(): Promise<void> {
    const item = this._item;
    if (!item || !this._image) {
      return;
    }
    const request = ++this._images;
    const loads = this._loads;
    try {
      const image = await this._fetchImage(item.id, { axis: this._axis, index: this._index });
      if (request !== this._images || loads !== this._loads) {
        image.close();
        return;
      }
      this._image?.close();
      this._image = image;
      this._imageChanged.emit();
    } catch (error) {
      this._loadError = errorMessage(error);
      this._changed.emit();
    }
  }

  private _scheduleImage(): void {
    window.clearTimeout(this._imageTimer);
    this._imageTimer = window.setTimeout(() => void this._loadImage(), WINDOW_DELAY_MS);
  }

  private _fetchImage(itemId: number, slice: ISliceRef): Promise<ImageBitmap> {
    return fetchSliceImage(itemId, slice, this._window);
  }

  private _activeClass: number;
  private _axis: Axis = 'axial';
  private _brushSize = 4;
  private _changed = new Signal<this, void>(this);
  private _geometry: ISliceGeometry | null = null;
  private _history = new MaskHistory();
  private _image: ImageBitmap | null = null;
  private _imageChanged = new Signal<this, void>(this);
  private _images = 0;
  private _imageTimer = 0;
  private _index = 0;
  private _isDisposed = false;
  private _item: IItem | null = null;
  private _loadError: string | null = null;
  private _loading = false;
  private _loads = 0;
  private _mask: IMaskSlice | null = null;
  private _maskChanged = new Signal<this, IRegion | null>(this);
  private _opacity = 0.5;
  private _saved = new Signal<this, IAnnotation>(this);
  private _saves = new MaskSaves(() => this._changed.emit(), annotation => this._saved.emit(annotation));
  private _stroke: { changed: boolean } | null = null;
  private _tool: Tool = 'brush';
  private _window: IWindow = VOLUME_WINDOW;
}
