/**
 * Painting on one mask slice: `values` holds a class number per pixel,
 * row-major, `rows × columns`. Every operation sets whole pixels to exact
 * class numbers (no anti-aliasing) and returns the rectangle it changed.
 */

/** A mask slice being painted. */
export interface IMaskSlice {
  values: Uint8Array;
  rows: number;
  columns: number;
}

/** A point in slice pixel coordinates (0,0 is the top-left corner of the first pixel). */
export interface IPoint {
  row: number;
  column: number;
}

/** The pixels an operation changed: rows `top..bottom`, columns `left..right` (inclusive). */
export interface IRegion {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

/** The smallest region holding both (either may be null). */
export function unionRegion(a: IRegion | null, b: IRegion | null): IRegion | null {
  if (!a || !b) {
    return a ?? b;
  }
  return {
    top: Math.min(a.top, b.top),
    left: Math.min(a.left, b.left),
    bottom: Math.max(a.bottom, b.bottom),
    right: Math.max(a.right, b.right)
  };
}

/** Set to `value` every pixel whose centre lies within a disc of `diameter` pixels around `at`. */
export function paintDisc(mask: IMaskSlice, at: IPoint, diameter: number, value: number): IRegion | null {
  const radius = Math.max(diameter, 1) / 2;
  const top = Math.max(0, Math.floor(at.row - radius));
  const bottom = Math.min(mask.rows - 1, Math.ceil(at.row + radius));
  const left = Math.max(0, Math.floor(at.column - radius));
  const right = Math.min(mask.columns - 1, Math.ceil(at.column + radius));
  let changed: IRegion | null = null;
  for (let row = top; row <= bottom; row++) {
    const dy = row + 0.5 - at.row;
    for (let column = left; column <= right; column++) {
      const dx = column + 0.5 - at.column;
      // A 1-pixel brush takes the pixel under the point even when no centre is near enough.
      const single = diameter <= 1 && Math.abs(dx) <= 0.5 && Math.abs(dy) <= 0.5;
      const inside = single || dx * dx + dy * dy <= radius * radius;
      const index = row * mask.columns + column;
      if (inside && mask.values[index] !== value) {
        mask.values[index] = value;
        changed = unionRegion(changed, { top: row, left: column, bottom: row, right: column });
      }
    }
  }
  return changed;
}

/** Paint discs along the segment `from` → `to`, close enough to leave no gap. */
export function paintLine(mask: IMaskSlice, from: IPoint, to: IPoint, diameter: number, value: number): IRegion | null {
  const length = Math.hypot(to.row - from.row, to.column - from.column);
  const steps = Math.max(1, Math.ceil(length / Math.max(0.5, diameter / 4)));
  let changed: IRegion | null = null;
  for (let step = 0; step <= steps; step++) {
    const t = step / steps;
    const at = { row: from.row + (to.row - from.row) * t, column: from.column + (to.column - from.column) * t };
    changed = unionRegion(changed, paintDisc(mask, at, diameter, value));
  }
  return changed;
}

/**
 * Flood fill: set to `value` the 4-connected region of pixels that share the
 * value of the pixel at `at` (the region under the cursor, on this slice only).
 */
export function floodFill(mask: IMaskSlice, at: IPoint, value: number): IRegion | null {
  const { values, rows, columns } = mask;
  const startRow = Math.floor(at.row);
  const startColumn = Math.floor(at.column);
  if (startRow < 0 || startRow >= rows || startColumn < 0 || startColumn >= columns) {
    return null;
  }
  const target = values[startRow * columns + startColumn];
  if (target === value) {
    return null;
  }
  const region: IRegion = { top: startRow, left: startColumn, bottom: startRow, right: startColumn };
  const stack = [startRow * columns + startColumn];
  values[stack[0]] = value;
  while (stack.length > 0) {
    const index = stack.pop() as number;
    const row = Math.floor(index / columns);
    const column = index - row * columns;
    region.top = Math.min(region.top, row);
    region.bottom = Math.max(region.bottom, row);
    region.left = Math.min(region.left, column);
    region.right = Math.max(region.right, column);
    const neighbours = [
      column > 0 ? index - 1 : -1,
      column < columns - 1 ? index + 1 : -1,
      row > 0 ? index - columns : -1,
      row < rows - 1 ? index + columns : -1
    ];
    for (const next of neighbours) {
      if (next >= 0 && values[next] === target) {
        values[next] = value;
        stack.push(next);
      }
    }
  }
  return region;
}
