import { ReactWidget } from '@jupyterlab/apputils';
import { Message } from '@lumino/messaging';
import React from 'react';

import { ILabelScheme } from './api';
import { ClassificationPane } from './classifyPane';
import { AnnotationModel } from './model';
import { SegmentationModel, Tool } from './segmentation';
import { SegmentationPane } from './segmentPane';
import { Key, SaveNotice } from './viewParts';

/** The keyboard shortcuts of a mode, for the help overlay: the keys (any of them), and what they do. */
function shortcuts(model: AnnotationModel): [string[], string][] {
  const common: [string[], string][] = [
    [['←', '→'], 'Previous / next item'],
    [['U'], 'Show only unlabelled items, or all'],
    [['Enter'], "Accept the model's suggestion"],
    [['O'], 'Most uncertain items first, or import order'],
    [['?'], 'Show or hide this help'],
    [['Esc'], 'Close this help']
  ];
  if (model.mode === 'classify') {
    return [[['1', '…', '9'], 'Assign the class with that number'], [['0'], 'Clear the class'], ...common];
  }
  return [
    [['1', '…', '9'], 'Paint with the label class of that value'],
    [['B', 'E', 'F'], 'Brush / eraser / flood fill'],
    [['[', ']'], 'Smaller / bigger brush'],
    [['Wheel'], 'Move through the slices'],
    [['PageUp', 'PageDown', '↑', '↓'], 'One slice up / down'],
    [['Home', 'End'], 'First / last slice'],
    [['A', 'C', 'S'], 'Axial / coronal / sagittal view'],
    [['Right-drag', 'Shift-drag'], 'Window: ↔ width, ↕ level'],
    [['Ctrl+Z'], 'Undo on this slice'],
    [['Ctrl+Shift+Z', 'Ctrl+Y'], 'Redo on this slice'],
    ...common
  ];
}

/** The keyboard help overlay. */
function ShortcutHelp({ model, onClose }: { model: AnnotationModel; onClose: () => void }): JSX.Element {
  return (
    <div className="mass-ShortcutHelp" role="dialog" aria-label="Keyboard shortcuts" onClick={onClose}>
      <div className="mass-ShortcutHelp-card" onClick={event => event.stopPropagation()}>
        <h2 className="mass-ShortcutHelp-title">Keyboard shortcuts</h2>
        <table>
          <tbody>
            {shortcuts(model).map(([keys, what]) => (
              <tr key={keys.join()}>
                <th scope="row">
                  {keys.map(key => (key === '…' ? <span key={key}> … </span> : <Key key={key}>{key}</Key>))}
                </th>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <button className="jp-mod-styled jp-mod-accept" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}

/** Whether a key event comes from a text field, which keeps its keys. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) {
    return false;
  }
  if (target instanceof HTMLInputElement) {
    return !['checkbox', 'radio', 'range', 'button'].includes(target.type);
  }
  return target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement || target.isContentEditable;
}

/**
 * The annotation view of one dataset (class `mass-AnnotationView`): class
 * buttons for records and images, or the mask painter for images and
 * volumes, driven by the mouse and the keyboard.
 */
export class AnnotationView extends ReactWidget {
  constructor(readonly model: AnnotationModel) {
    super();
    this.addClass('mass-AnnotationView');
    this.node.tabIndex = -1;
    this.model.changed.connect(this._onChanged, this);
    window.addEventListener('beforeunload', this._onBeforeUnload);
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    window.removeEventListener('beforeunload', this._onBeforeUnload);
    const model = this.model;
    super.dispose();
    // Save the last strokes before letting go.
    void model.save().finally(() => model.dispose());
  }

  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    this.node.focus({ preventScroll: true });
  }

  /**
   * Act on a key pressed anywhere in the view's tab (its toolbar too, so that
   * the keys keep working after a toolbar button is clicked).
   */
  handleKeyDown(event: KeyboardEvent): void {
    if (isTyping(event.target) || event.altKey || !this.model.loaded) {
      return;
    }
    if (this._handleKey(event)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }

  render(): JSX.Element {
    const model = this.model;
    let body: JSX.Element;
    if (model.loadError) {
      body = <div className="mass-Message mass-mod-error">Cannot open this dataset: {model.loadError}</div>;
    } else if (!model.loaded) {
      body = <div className="mass-Message">Loading the dataset…</div>;
    } else if (model.mode === 'unsupported') {
      body = (
        <div className="mass-Message">
          This project paints masks, and “{model.dataset?.name}” holds table records: there is nothing to paint on.
        </div>
      );
    } else if (!model.item) {
      body = (
        <div className="mass-Message">
          {model.unlabelledOnly ? 'Every item is labelled.' : 'This dataset has no items.'}
        </div>
      );
    } else if (model.mode === 'segment' && model.segmentation) {
      body = <SegmentationPane model={model} seg={model.segmentation} />;
    } else {
      const scheme: ILabelScheme = model.scheme?.kind === 'label' ? model.scheme : { kind: 'label', classes: [] };
      body = <ClassificationPane model={model} scheme={scheme} />;
    }
    return (
      <>
        <SaveNotice model={model} />
        {body}
        {this._help && <ShortcutHelp model={model} onClose={() => this._toggleHelp(false)} />}
      </>
    );
  }

  private _onChanged(): void {
    this.update();
  }

  private _toggleHelp(show: boolean): void {
    this._help = show;
    this.update();
    this.node.focus({ preventScroll: true });
  }

  private _onBeforeUnload = (event: BeforeUnloadEvent): void => {
    if (this.model.hasUnsaved) {
      event.preventDefault();
    }
  };


  /** Act on a key; true when it was one of ours. */
  private _handleKey(event: KeyboardEvent): boolean {
    const model = this.model;
    const seg = model.mode === 'segment' ? model.segmentation : null;
    const accel = event.ctrlKey || event.metaKey;
    const key = event.key;
    if (accel) {
      const lower = key.toLowerCase();
      if (seg && lower === 'z') {
        void (event.shiftKey ? seg.redo() : seg.undo());
        return true;
      }
      if (seg && lower === 'y') {
        void seg.redo();
        return true;
      }
      return false;
    }
    if (key === '?') {
      this._toggleHelp(!this._help);
      return true;
    }
    if (key === 'Escape' && this._help) {
      this._toggleHelp(false);
      return true;
    }
    if (key === 'ArrowLeft' || key === 'ArrowRight') {
      void model.go(key === 'ArrowLeft' ? -1 : 1);
      return true;
    }
    if (key === 'u' || key === 'U') {
      void model.setUnlabelledOnly(!model.unlabelledOnly);
      return true;
    }
    if (key === 'o' || key === 'O') {
      void model.setOrder(model.order === 'uncertainty' ? 'import' : 'uncertainty');
      return true;
    }
    if (key === 'Enter' && model.prelabel.suggestion) {
      void model.acceptSuggestion();
      return true;
    }
    const digit = /^[0-9]$/.test(key) ? Number(key) : null;
    if (model.mode === 'classify' && model.scheme?.kind === 'label') {
      if (digit === 0 || key === 'Backspace' || key === 'Delete') {
        void model.assign(null);
        return true;
      }
      const label = digit !== null ? model.scheme.classes[digit - 1] : undefined;
      if (label !== undefined) {
        void model.assign(label);
        return true;
      }
      return false;
    }
    return seg ? this._handlePaintKey(seg, key, digit) : false;
  }

  /** The segmentation keys. */
  private _handlePaintKey(seg: SegmentationModel, key: string, digit: number | null): boolean {
    if (digit !== null && digit > 0) {
      seg.setActiveClass(digit);
      return true;
    }
    const tools: Record<string, Tool> = { b: 'brush', e: 'eraser', f: 'fill' };
    const views: Record<string, 'axial' | 'coronal' | 'sagittal'> = { a: 'axial', c: 'coronal', s: 'sagittal' };
    const lower = key.toLowerCase();
    if (tools[lower]) {
      seg.setTool(tools[lower]);
    } else if (views[lower]) {
      void seg.setAxis(views[lower]);
    } else if (key === '[' || key === ']') {
      seg.setBrushSize(seg.brushSize + (key === '[' ? -1 : 1));
    } else if (key === 'PageUp' || key === 'ArrowUp') {
      void seg.step(1);
    } else if (key === 'PageDown' || key === 'ArrowDown') {
      void seg.step(-1);
    } else if (key === 'Home' || key === 'End') {
      void seg.setIndex(key === 'Home' ? 0 : (seg.geometry?.count ?? 1) - 1);
    } else {
      return false;
    }
    return true;
  }

  private _help = false;
}
