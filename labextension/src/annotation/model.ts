/**
 * The annotation state model. Listing items (`itemList`), masks (`segmentation`) and suggestions (`prelabel`)
 * live apart; the rest stays one piece because moving between items first saves the class, and a saved class
 * replaces the item on show and its entry in the list: navigation and label saving share one state.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { errorMessage } from '../api';
import { exportDecathlon, freezeVersion, getDataset, ItemOrder, labelsCSVURL, listItems } from '../data/client';
import { IDataset, IVersion } from '../data/types';
import { AnnotationScheme, getAnnotation, getItem, getScheme, IAnnotation, IItem, isConflict, saveLabel } from './api';
import { fetchItemList, isAnnotated } from './itemList';
import { PrelabelModel } from './prelabel';
import { SaveState, SegmentationModel } from './segmentation';

/** What the view does with the dataset: assign classes, paint masks, or explain why neither. */
export type AnnotationMode = 'classify' | 'segment' | 'unsupported';

/**
 * Annotating one dataset: the items in order (all, or only the unlabelled
 * ones), the item on show, progress, and class labels with optimistic
 * concurrency. Masks are the `segmentation` model's business.
 */
export class AnnotationModel implements IDisposable {
  constructor(
    readonly datasetId: number,
    startItemId: number | null = null
  ) {
    this._startItemId = startItemId;
    this._prelabel = new PrelabelModel(datasetId);
    this._prelabel.changed.connect(this._emit, this);
    this._prelabel.finished.connect(this._onPrelabelled, this);
  }

  /** Pre-labelling with the project's latest model, and its suggestion for the item on show. */
  get prelabel(): PrelabelModel {
    return this._prelabel;
  }

  /** The order items are walked through: as imported, or most uncertain (to the model) first. */
  get order(): ItemOrder {
    return this._order;
  }

  /** Emitted when anything the view shows changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emitted when another item is shown. */
  get itemChanged(): ISignal<this, IItem | null> {
    return this._itemChanged;
  }

  get dataset(): IDataset | null {
    return this._dataset;
  }

  get scheme(): AnnotationScheme | null {
    return this._scheme;
  }

  /** Why the dataset could not be opened, or null. */
  get loadError(): string | null {
    return this._loadError;
  }

  /** Whether the dataset, its scheme and its item list have arrived. */
  get loaded(): boolean {
    return this._loaded;
  }

  get mode(): AnnotationMode {
    if (!this._scheme || !this._dataset) {
      return 'unsupported';
    }
    if (this._scheme.kind === 'label') {
      return 'classify';
    }
    return this._dataset.kind === 'tabular' ? 'unsupported' : 'segment';
  }

  /** The painting model, in a segmentation project. */
  get segmentation(): SegmentationModel | null {
    return this._segmentation;
  }

  /** The items being walked through: all, or those unlabelled when the list was made. */
  get items(): readonly IItem[] {
    return this._items;
  }

  /** The position of the item on show in `items`. */
  get position(): number {
    return this._position;
  }

  /** The item on show, with its current annotation; null when there is none to show. */
  get item(): IItem | null {
    return this._item;
  }

  /** Whether `items` holds only the items that had no label or mask. */
  get unlabelledOnly(): boolean {
    return this._unlabelledOnly;
  }

  /** Items of the dataset with a label or a mask. */
  get labelled(): number {
    return this._labelled;
  }

  /** Items in the dataset. */
  get total(): number {
    return this._dataset?.item_count ?? 0;
  }

  /** The class chosen but not saved yet (undefined: none; null: "no class"). */
  get pendingLabel(): string | null | undefined {
    return this._pendingLabel;
  }

  /** Whether the view moves to the next item after a class is assigned. */
  get advance(): boolean {
    return this._advance;
  }

  set advance(value: boolean) {
    this._advance = value;
    this._changed.emit();
  }

  /** Where the item's annotation stands against the server. */
  get saveState(): SaveState {
    return this._segmentation && this.mode === 'segment' ? this._segmentation.saveState : this._labelState;
  }

  /** The server's conflict or error message, or null. */
  get message(): string | null {
    return this._segmentation && this.mode === 'segment' ? this._segmentation.message : this._labelMessage;
  }

  /** Whether leaving now would lose a class or strokes not yet saved. */
  get hasUnsaved(): boolean {
    return this._pendingLabel !== undefined || (this._segmentation?.hasUnsaved ?? false);
  }

  /** The version the last freeze made, or null. */
  get frozen(): IVersion | null {
    return this._frozen;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Fetch the dataset, what its project annotates and its items; show the first item to work on. */
  async load(): Promise<void> {
    try {
      this._dataset = await getDataset(this.datasetId);
      this._scheme = await getScheme(this._dataset.project_id);
      if (this._scheme.kind === 'mask') {
        this._segmentation = new SegmentationModel(this._scheme.classes);
        this._segmentation.changed.connect(this._emit, this);
        this._segmentation.saved.connect(this._onMaskSaved, this);
      }
      await Promise.all([this._fetchItems(), this._prelabel.load()]);
    } catch (error) {
      this._loadError = errorMessage(error);
      this._changed.emit();
      return;
    }
    this._loaded = true;
    const start = this._items.findIndex(item =>
      this._startItemId === null ? !isAnnotated(item) : item.id === this._startItemId
    );
    await this.goTo(Math.max(start, 0));
  }

  /** Show the item `delta` places away. */
  go(delta: number): Promise<boolean> {
    return this.goTo(this._position + delta);
  }

  /**
   * Show the item with this id (once loaded: at once). One the list leaves out (labelled,
   * while walking the unlabelled only) brings every item back into the list first.
   */
  async goToItem(itemId: number): Promise<boolean> {
    if (!this._loaded) {
      this._startItemId = itemId;
      return true;
    }
    const listed = (): number => this._items.findIndex(item => item.id === itemId);
    if (listed() < 0 && this._unlabelledOnly) {
      await this.setUnlabelledOnly(false);
    }
    return listed() < 0 ? false : this.goTo(listed());
  }

  /**
   * Show the item at `position`, after saving the one on show. Stays put (and
   * resolves false) while a class or strokes wait on a conflict or an error.
   */
  async goTo(position: number): Promise<boolean> {
    if (position < 0 || position >= this._items.length || !(await this.save())) {
      return false;
    }
    const request = ++this._moves;
    let item: IItem;
    try {
      item = await getItem(this._items[position].id);
    } catch (error) {
      this._labelState = 'error';
      this._labelMessage = errorMessage(error);
      this._changed.emit();
      return false;
    }
    if (request !== this._moves) {
      return false;
    }
    this._position = position;
    this._item = item;
    this._items[position] = item;
    this._labelState = 'saved';
    this._labelMessage = null;
    this._changed.emit();
    this._itemChanged.emit(item);
    void this._prelabel.showItem(item.id);
    if (this.mode === 'segment' && this._segmentation) {
      await this._segmentation.open(item);
    }
    return true;
  }

  /** Walk through all items, or only those without a label or mask. */
  async setUnlabelledOnly(value: boolean): Promise<void> {
    if (value === this._unlabelledOnly || !(await this.save())) {
      return;
    }
    this._unlabelledOnly = value;
    await this._refetchItems();
  }

  /** Walk through the items as imported, or the ones the model was least sure of first. */
  async setOrder(order: ItemOrder): Promise<void> {
    if (order === this._order || !(await this.save())) {
      return;
    }
    this._order = order;
    await this._refetchItems(false);
  }

  /**
   * Make the model's suggestion the item's label or mask (recorded as the
   * user's, from that model); the annotator corrects it from there.
   */
  async acceptSuggestion(): Promise<void> {
    const item = this._item;
    const suggestion = this._prelabel.suggestion;
    if (!item || suggestion?.item_id !== item.id || !(await this.save())) {
      return;
    }
    try {
      const annotation = await this._prelabel.accept(item.id, item.annotation?.version ?? 0);
      this._setItem({ ...item, annotation });
      void this._refreshProgress();
    } catch (error) {
      this._prelabel.report(errorMessage(error));
      return;
    }
    if (this.mode === 'segment' && this._segmentation && this._item) {
      await this._segmentation.open(this._item);
    } else if (this._advance) {
      await this.go(1);
    }
    this._changed.emit();
  }

  /** Fetch the item list again (another filter or order); stay on the item on show, or start at the top. */
  private async _refetchItems(keepItem = true): Promise<void> {
    const current = keepItem ? this._item?.id : undefined;
    try {
      await this._fetchItems();
    } catch (error) {
      this._labelState = 'error';
      this._labelMessage = errorMessage(error);
      this._changed.emit();
      return;
    }
    const position = this._items.findIndex(item => item.id === current);
    if (this._items.length === 0) {
      this._item = null;
      this._position = 0;
      this._changed.emit();
      this._itemChanged.emit(null);
      return;
    }
    await this.goTo(Math.max(position, 0));
  }

  /** Assign a class (null: none) to the item on show; saved at once. */
  async assign(label: string | null): Promise<void> {
    if (!this._item || this.mode !== 'classify') {
      return;
    }
    this._pendingLabel = label;
    if (this._labelState === 'conflict') {
      // The choice waits, shown as pending, until the user reloads or keeps it.
      this._changed.emit();
      return;
    }
    this._labelState = 'saving';
    this._changed.emit();
    this._labelSaves = this._labelSaves.then(() => this._saveLabel());
    if ((await this._labelSaves) && this._advance) {
      await this.go(1);
    }
  }

  /** After a conflict: drop the pending class and show the item as the server has it. */
  async reload(): Promise<void> {
    if (this._segmentation && this.mode === 'segment') {
      return this._segmentation.reloadTheirs();
    }
    if (!this._item) {
      return;
    }
    await this._labelSaves;
    try {
      this._setItem(await getItem(this._item.id));
      this._pendingLabel = undefined;
      this._labelState = 'saved';
      this._labelMessage = null;
    } catch (error) {
      this._labelMessage = errorMessage(error);
    }
    this._changed.emit();
  }

  /** After a conflict: save the pending class (or strokes) over the newer version. */
  async keepMine(): Promise<void> {
    if (this._segmentation && this.mode === 'segment') {
      await this._segmentation.keepMine();
      return;
    }
    const item = this._item;
    if (!item) {
      return;
    }
    await this._labelSaves;
    try {
      this._setItem({ ...item, annotation: await getAnnotation(item.id) });
    } catch (error) {
      this._labelMessage = errorMessage(error);
      this._changed.emit();
      return;
    }
    this._labelState = 'saving';
    this._labelMessage = null;
    this._changed.emit();
    this._labelSaves = this._labelSaves.then(() => this._saveLabel());
    await this._labelSaves;
  }

  /** Save what is pending, then freeze the dataset and its labels into a new version. */
  async freeze(): Promise<IVersion> {
    if (!(await this.save())) {
      throw new Error('Save or reload the pending annotation before freezing a version.');
    }
    this._frozen = await freezeVersion(this.datasetId);
    this._changed.emit();
    return this._frozen;
  }

  /** Save what is pending, then export images and masks for MONAI and nnU-Net. */
  async exportDecathlon(): ReturnType<typeof exportDecathlon> {
    if (!(await this.save())) {
      throw new Error('Save or reload the pending masks before exporting.');
    }
    return exportDecathlon(this.datasetId);
  }

  /** The URL of the dataset's class labels as CSV (a download). */
  get labelsCSVURL(): string {
    return labelsCSVURL(this.datasetId);
  }

  /** Save what is pending; true when nothing waits on a conflict or an error. */
  async save(): Promise<boolean> {
    await this._labelSaves;
    if (this._pendingLabel !== undefined) {
      return false;
    }
    return this._segmentation && this.mode === 'segment' ? this._segmentation.flush() : true;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._segmentation?.dispose();
    this._prelabel.dispose();
    Signal.clearData(this);
  }

  /** Fetch the list of items to walk through. */
  private async _fetchItems(): Promise<void> {
    const list = await fetchItemList(this.datasetId, this._unlabelledOnly, this._order);
    this._items = list.items;
    this._labelled = list.labelled;
  }

  /** PUT the latest pending class from the version the item is at. True when saved. */
  private async _saveLabel(): Promise<boolean> {
    const item = this._item;
    const label = this._pendingLabel;
    if (!item || label === undefined) {
      return true;
    }
    try {
      const annotation = await saveLabel(item.id, label, item.annotation?.version ?? 0);
      this._setItem({ ...item, annotation });
      if (this._pendingLabel === label) {
        this._pendingLabel = undefined;
        this._labelState = 'saved';
      }
      this._labelMessage = null;
      void this._refreshProgress();
      return this._pendingLabel === undefined || this._saveLabel();
    } catch (error) {
      this._labelState = isConflict(error) ? 'conflict' : 'error';
      this._labelMessage = errorMessage(error);
      return false;
    } finally {
      this._changed.emit();
    }
  }

  /** Replace the item on show (and its entry in the list) with a fresher copy. */
  private _setItem(item: IItem): void {
    if (this._item?.id !== item.id) {
      return;
    }
    this._item = item;
    this._items[this._position] = item;
  }

  private _onMaskSaved(_: SegmentationModel, annotation: IAnnotation): void {
    if (this._item?.id !== annotation.item_id) {
      return;
    }
    const first = !this._item.annotation?.has_mask;
    this._setItem({ ...this._item, annotation });
    if (first) {
      void this._refreshProgress();
    }
    this._changed.emit();
  }

  /** Fetch how many items are labelled now. */
  private async _refreshProgress(): Promise<void> {
    try {
      this._labelled = (await listItems(this.datasetId, { offset: 0, limit: 1 })).labelled;
      this._changed.emit();
    } catch {
      // Progress catches up on the next save.
    }
  }

  private _emit(): void {
    this._changed.emit();
  }

  /** New suggestions arrived: show the one for this item, and re-order by the new uncertainties. */
  private _onPrelabelled(): void {
    void this._prelabel.showItem(this._item?.id ?? null);
    if (this._order === 'uncertainty') {
      void this._refetchItems();
    }
  }

  private _advance = false;
  private _changed = new Signal<this, void>(this);
  private _dataset: IDataset | null = null;
  private _frozen: IVersion | null = null;
  private _isDisposed = false;
  private _item: IItem | null = null;
  private _itemChanged = new Signal<this, IItem | null>(this);
  private _items: IItem[] = [];
  private _labelled = 0;
  private _labelMessage: string | null = null;
  private _labelSaves: Promise<boolean> = Promise.resolve(true);
  private _labelState: SaveState = 'saved';
  private _loaded = false;
  private _loadError: string | null = null;
  private _moves = 0;
  private _order: ItemOrder = 'import';
  private _pendingLabel: string | null | undefined = undefined;
  private _position = 0;
  private _prelabel: PrelabelModel;
  private _scheme: AnnotationScheme | null = null;
  private _segmentation: SegmentationModel | null = null;
  private _startItemId: number | null;
  private _unlabelledOnly = false;
}
