/** Undo and redo of mask edits: snapshots of slice values, one history per item. */
import { ISliceRef } from './api';

/** Undo steps kept per item. */
const HISTORY_LIMIT = 50;

/** One undo or redo step: a slice and its values before the change. */
export interface ISnapshot {
  slice: ISliceRef;
  values: Uint8Array;
}

/**
 * The undo and redo steps of one item, across slices and axes. Slices of two
 * axes cross, so the steps are undone strictly in reverse order.
 */
export class MaskHistory {
  readonly undo: ISnapshot[] = [];
  readonly redo: ISnapshot[] = [];

  get canUndo(): boolean {
    return this.undo.length > 0;
  }

  get canRedo(): boolean {
    return this.redo.length > 0;
  }

  /** Remember a slice's values before a change (a new change drops what could be redone). */
  push(slice: ISliceRef, values: Uint8Array): void {
    this.undo.push({ slice, values: values.slice() });
    this.undo.splice(0, this.undo.length - HISTORY_LIMIT);
    this.redo.length = 0;
  }

  clear(): void {
    this.undo.length = 0;
    this.redo.length = 0;
  }
}
