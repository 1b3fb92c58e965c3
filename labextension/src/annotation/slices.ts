import { Axis, IItem, ISliceRef, maskEndPoint, requestBlob, sliceEndPoint } from './api';
import { IMaskSlice } from './masks';
import { decodeGreyPNG } from './png';

/** The slice directions, in the order the view switch shows them. */
export const AXES: readonly Axis[] = ['axial', 'coronal', 'sagittal'];

/** CT window presets the server knows by name: level and width in HU. */
export const WINDOW_PRESETS = {
  abdomen: { level: 40, width: 400 },
  liver: { level: 60, width: 160 },
  bone: { level: 400, width: 1800 }
} as const;

export type WindowPreset = keyof typeof WINDOW_PRESETS;

/** A display window: a named preset, or a level and width of the user's own. */
export interface IWindow {
  level: number;
  width: number;
  preset: WindowPreset | null;
}

/** The window a volume opens with. */
export const VOLUME_WINDOW: IWindow = { ...WINDOW_PRESETS.abdomen, preset: 'abdomen' };

/** An 8-bit image shown as stored: values 0–255 map to black–white. */
export const IMAGE_WINDOW: IWindow = { level: 127.5, width: 255, preset: null };

/** The `window=` argument of the slice endpoint. */
export function windowArgument(window: IWindow): string {
  return window.preset ?? `${Math.round(window.level)},${Math.round(window.width)}`;
}

/** The size and pixel spacing of one direction's slices, and how many there are. */
export interface ISliceGeometry {
  rows: number;
  columns: number;
  count: number;
  /** Millimetres per row and per column (1 when unknown), for the display aspect. */
  rowSpacing: number;
  columnSpacing: number;
}

/** A list of `length` positive numbers from an item's meta, if it holds one. */
function numbers(value: unknown, length: number): number[] | null {
  if (!Array.isArray(value) || value.length < length) {
    return null;
  }
  const found = value.slice(0, length).map(Number);
  return found.every(n => Number.isFinite(n) && n > 0) ? found : null;
}

/**
 * The slices of an image or volume along `axis`, in display orientation:
 * for a volume of shape [x, y, z], axial slices are y rows × x columns (z of
 * them), coronal z × x (y of them) and sagittal z × y (x of them). Null when
 * the item's meta does not say its size.
 */
export function sliceGeometry(item: IItem, axis: Axis): ISliceGeometry | null {
  if (item.kind === 'image') {
    const [columns, rows] = [Number(item.meta.width), Number(item.meta.height)];
    if (!(columns > 0 && rows > 0)) {
      return null;
    }
    return { rows, columns, count: 1, rowSpacing: 1, columnSpacing: 1 };
  }
  const shape = numbers(item.meta.shape, 3);
  if (item.kind !== 'volume' || !shape) {
    return null;
  }
  const [sx, sy, sz] = numbers(item.meta.spacing, 3) ?? [1, 1, 1];
  const [x, y, z] = shape;
  switch (axis) {
    case 'axial':
      return { rows: y, columns: x, count: z, rowSpacing: sy, columnSpacing: sx };
    case 'coronal':
      return { rows: z, columns: x, count: y, rowSpacing: sz, columnSpacing: sx };
    case 'sagittal':
      return { rows: z, columns: y, count: x, rowSpacing: sz, columnSpacing: sy };
  }
}

/**
 * Label class colours, by mask value (ITK-SNAP's defaults, which annotators
 * know). They paint the data, not the page, so they are the same in the light
 * and dark themes. mass_ide/core/data/classes.py holds the same table for
 * training reports and DICOM SEG colours (a test keeps the two equal).
 */
const CLASS_COLOURS: readonly [number, number, number][] = [
  [0, 0, 0],
  [230, 40, 40],
  [40, 200, 60],
  [50, 110, 240],
  [240, 220, 30],
  [30, 220, 230],
  [220, 60, 220],
  [255, 160, 60],
  [150, 90, 255],
  [160, 110, 60]
];

/** The RGB colour of mask value `value`. */
export function classColour(value: number): readonly [number, number, number] {
  return value <= 0 ? CLASS_COLOURS[0] : CLASS_COLOURS[((value - 1) % (CLASS_COLOURS.length - 1)) + 1];
}

/** The CSS colour of mask value `value`, for a swatch. */
export function classCSSColour(value: number): string {
  return `rgb(${classColour(value).join(' ')})`;
}

/** The rendered slice of an item, in a display window. */
export async function fetchSliceImage(itemId: number, slice: ISliceRef, window: IWindow): Promise<ImageBitmap> {
  const png = await requestBlob(sliceEndPoint(itemId, slice, windowArgument(window)));
  return createImageBitmap(png);
}

/** The saved mask of one slice of an item. */
export async function fetchMaskSlice(itemId: number, slice: ISliceRef): Promise<IMaskSlice> {
  const { values, columns, rows } = await decodeGreyPNG(await requestBlob(maskEndPoint(itemId, slice)));
  return { values, columns, rows };
}
