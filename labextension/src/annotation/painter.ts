import { IDisposable } from '@lumino/disposable';

import { IPoint, IRegion } from './masks';
import { SegmentationModel } from './segmentation';
import { classColour } from './slices';

/** Wheel travel (in pixels) that moves one slice; a mouse notch is about 100. */
const WHEEL_STEP_PX = 50;
/** Room left around the slice, in CSS pixels. */
const MARGIN_PX = 8;

/** The overlay's RGBA word of each mask value: transparent background, opaque class colours. */
const OVERLAY_WORDS = Array.from({ length: 256 }, (_, value) => {
  const [red, green, blue] = classColour(value);
  return value === 0 ? 0 : ((255 << 24) | (blue << 16) | (green << 8) | red) >>> 0;
});

/** Where the slice lies on the canvas, in CSS pixels. */
interface IRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A window/level drag in progress: where it started and from which window. */
interface IWindowDrag {
  x: number;
  y: number;
  level: number;
  width: number;
}

/**
 * The painting canvas of the segmentation view: the slice scaled to fit (no
 * smoothing, so pixels stay pixels), the mask overlaid in class colours, and
 * the brush outline under the cursor. Left button paints, erases or fills;
 * right button (or Shift+left) drags the window; the wheel moves through slices.
 *
 * The mask is painted on the model's slice-sized values; an offscreen canvas
 * of the same size holds their colours and is scaled onto the view.
 */
export class SliceCanvas implements IDisposable {
  constructor(
    private readonly _host: HTMLElement,
    private readonly _model: SegmentationModel
  ) {
    this._canvas = document.createElement('canvas');
    this._canvas.className = 'mass-SliceCanvas';
    this._host.appendChild(this._canvas);
    this._overlay = document.createElement('canvas');

    this._model.imageChanged.connect(this._draw, this);
    this._model.maskChanged.connect(this._onMaskChanged, this);
    this._model.changed.connect(this._draw, this);
    this._resizer = new ResizeObserver(() => this._resize());
    this._resizer.observe(this._host);

    this._canvas.addEventListener('pointerdown', this._onPointerDown);
    this._canvas.addEventListener('pointermove', this._onPointerMove);
    this._canvas.addEventListener('pointerup', this._onPointerUp);
    this._canvas.addEventListener('pointercancel', this._onPointerUp);
    this._canvas.addEventListener('pointerleave', this._onPointerLeave);
    this._canvas.addEventListener('wheel', this._onWheel, { passive: false });
    this._canvas.addEventListener('contextmenu', this._onContextMenu);
    this._onMaskChanged(this._model, null);
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._resizer.disconnect();
    this._model.imageChanged.disconnect(this._draw, this);
    this._model.maskChanged.disconnect(this._onMaskChanged, this);
    this._model.changed.disconnect(this._draw, this);
    cancelAnimationFrame(this._frame);
    this._canvas.remove();
  }

  /** Size the canvas to its host, in device pixels. */
  private _resize(): void {
    const ratio = window.devicePixelRatio || 1;
    this._canvas.width = Math.max(1, Math.round(this._host.clientWidth * ratio));
    this._canvas.height = Math.max(1, Math.round(this._host.clientHeight * ratio));
    this._canvas.style.width = `${this._host.clientWidth}px`;
    this._canvas.style.height = `${this._host.clientHeight}px`;
    this._draw();
  }

  /** Recolour the changed part of the overlay from the mask values. */
  private _onMaskChanged(_: SegmentationModel, region: IRegion | null): void {
    const mask = this._model.mask;
    if (!mask) {
      return;
    }
    if (this._overlay.width !== mask.columns || this._overlay.height !== mask.rows || !this._pixels) {
      this._overlay.width = mask.columns;
      this._overlay.height = mask.rows;
      this._pixels = new ImageData(mask.columns, mask.rows);
      region = null;
    }
    const { top, left, bottom, right } = region ?? {
      top: 0,
      left: 0,
      bottom: mask.rows - 1,
      right: mask.columns - 1
    };
    // One 32-bit RGBA word per pixel (little-endian: alpha in the high byte).
    const words = new Uint32Array(this._pixels.data.buffer);
    for (let row = top; row <= bottom; row++) {
      for (let column = left; column <= right; column++) {
        const index = row * mask.columns + column;
        words[index] = OVERLAY_WORDS[mask.values[index]];
      }
    }
    this._overlay
      .getContext('2d')
      ?.putImageData(this._pixels, 0, 0, left, top, right - left + 1, bottom - top + 1);
    this._draw();
  }

  /** Draw on the next animation frame (many changes, one paint). */
  private _draw(): void {
    if (!this._frame) {
      this._frame = requestAnimationFrame(() => {
        this._frame = 0;
        this._paint();
      });
    }
  }

  private _paint(): void {
    const context = this._canvas.getContext('2d');
    if (!context) {
      return;
    }
    const ratio = window.devicePixelRatio || 1;
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, this._canvas.width, this._canvas.height);
    const rect = this._rect();
    const image = this._model.image;
    if (!rect || !image) {
      return;
    }
    context.imageSmoothingEnabled = false;
    context.drawImage(image, rect.x, rect.y, rect.width, rect.height);
    context.globalAlpha = this._model.opacity;
    context.drawImage(this._overlay, rect.x, rect.y, rect.width, rect.height);
    context.globalAlpha = 1;
    this._paintCursor(context, rect);
  }

  /** The brush outline (an ellipse when the slice's pixels are not square). */
  private _paintCursor(context: CanvasRenderingContext2D, rect: IRect): void {
    const mask = this._model.mask;
    if (!this._pointer || !mask || this._model.tool === 'fill' || this._windowDrag) {
      return;
    }
    const radius = this._model.brushSize / 2;
    const radiusX = (radius * rect.width) / mask.columns;
    const radiusY = (radius * rect.height) / mask.rows;
    context.beginPath();
    context.ellipse(this._pointer.x, this._pointer.y, radiusX, radiusY, 0, 0, 2 * Math.PI);
    context.lineWidth = 3;
    context.strokeStyle = 'rgba(0, 0, 0, 0.6)';
    context.stroke();
    context.lineWidth = 1;
    context.strokeStyle =
      this._model.tool === 'eraser' ? 'rgb(255, 255, 255)' : `rgb(${classColour(this._model.activeClass).join(',')})`;
    context.stroke();
  }

  /** The slice's place on the canvas: fitted, centred, with the pixel spacing's aspect. */
  private _rect(): IRect | null {
    const mask = this._model.mask;
    const geometry = this._model.geometry;
    if (!mask || !geometry) {
      return null;
    }
    const width = mask.columns * geometry.columnSpacing;
    const height = mask.rows * geometry.rowSpacing;
    const room = { width: this._host.clientWidth - 2 * MARGIN_PX, height: this._host.clientHeight - 2 * MARGIN_PX };
    const scale = Math.min(room.width / width, room.height / height);
    if (!(scale > 0)) {
      return null;
    }
    return {
      x: (this._host.clientWidth - width * scale) / 2,
      y: (this._host.clientHeight - height * scale) / 2,
      width: width * scale,
      height: height * scale
    };
  }

  /** A pointer position as slice pixel coordinates. */
  private _toSlice(event: PointerEvent): IPoint | null {
    const rect = this._rect();
    const mask = this._model.mask;
    if (!rect || !mask) {
      return null;
    }
    const bounds = this._canvas.getBoundingClientRect();
    return {
      row: ((event.clientY - bounds.top - rect.y) / rect.height) * mask.rows,
      column: ((event.clientX - bounds.left - rect.x) / rect.width) * mask.columns
    };
  }

  private _onPointerDown = (event: PointerEvent): void => {
    this._host.closest<HTMLElement>('.mass-AnnotationView')?.focus({ preventScroll: true });
    const at = this._toSlice(event);
    if (!at || this._stroke || this._windowDrag) {
      return;
    }
    event.preventDefault();
    if (event.button === 2 || (event.button === 0 && event.shiftKey)) {
      const { level, width } = this._model.window;
      this._windowDrag = { x: event.clientX, y: event.clientY, level, width };
      this._canvas.setPointerCapture(event.pointerId);
      this._canvas.classList.add('mass-mod-windowing');
    } else if (event.button === 0 && this._model.tool === 'fill') {
      this._model.fill(at);
    } else if (event.button === 0 && this._model.beginStroke()) {
      this._stroke = at;
      this._model.strokeTo(at, at);
      this._canvas.setPointerCapture(event.pointerId);
    }
  };

  private _onPointerMove = (event: PointerEvent): void => {
    const bounds = this._canvas.getBoundingClientRect();
    this._pointer = { x: event.clientX - bounds.left, y: event.clientY - bounds.top };
    if (this._windowDrag) {
      // Right: wider window; down: higher level (darker picture).
      const { x, y, level, width } = this._windowDrag;
      const rate = Math.max(width / 256, 0.5);
      this._model.setWindow({
        level: level + (event.clientY - y) * rate,
        width: Math.max(1, width + (event.clientX - x) * rate),
        preset: null
      });
      return;
    }
    const at = this._toSlice(event);
    if (this._stroke && at) {
      this._model.strokeTo(this._stroke, at);
      this._stroke = at;
    }
    this._draw();
  };

  private _onPointerUp = (event: PointerEvent): void => {
    if (this._canvas.hasPointerCapture(event.pointerId)) {
      this._canvas.releasePointerCapture(event.pointerId);
    }
    if (this._stroke) {
      this._stroke = null;
      this._model.endStroke();
    }
    if (this._windowDrag) {
      this._windowDrag = null;
      this._canvas.classList.remove('mass-mod-windowing');
      this._draw();
    }
  };

  private _onPointerLeave = (): void => {
    this._pointer = null;
    this._draw();
  };

  private _onWheel = (event: WheelEvent): void => {
    event.preventDefault();
    // Lines or pages (deltaMode 1, 2) count one slice each; pixels add up.
    const delta = event.deltaMode === WheelEvent.DOM_DELTA_PIXEL ? event.deltaY : event.deltaY * WHEEL_STEP_PX;
    this._wheel = Math.abs(delta) >= WHEEL_STEP_PX ? Math.sign(delta) * WHEEL_STEP_PX : this._wheel + delta;
    if (Math.abs(this._wheel) >= WHEEL_STEP_PX) {
      // Wheel up: the next slice up.
      void this._model.step(this._wheel < 0 ? 1 : -1);
      this._wheel = 0;
    }
  };

  private _onContextMenu = (event: MouseEvent): void => {
    // The right button adjusts the window here, so no menu.
    event.preventDefault();
    event.stopPropagation();
  };

  private _canvas: HTMLCanvasElement;
  private _frame = 0;
  private _isDisposed = false;
  private _overlay: HTMLCanvasElement;
  private _pixels: ImageData | null = null;
  private _pointer: { x: number; y: number } | null = null;
  private _resizer: ResizeObserver;
  private _stroke: IPoint | null = null;
  private _wheel = 0;
  private _windowDrag: IWindowDrag | null = null;
}
