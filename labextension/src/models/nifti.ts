/*
 * Just enough of NIfTI-1 to draw an uploaded volume under its predicted
 * mask on the test page: the header's dimensions, data type and scaling,
 * and the voxels (x fastest, as the format stores them).
 */

/** A scalar volume read from a NIfTI-1 file. */
export interface IVolume {
  /** [X, Y, Z]. */
  shape: [number, number, number];
  /** The scaled voxel values, x fastest. */
  values: Float32Array;
}

/** The typed-array reader of each NIfTI data type code. */
const READERS: Record<number, (view: DataView, at: number, little: boolean) => number> = {
  2: (view, at) => view.getUint8(at),
  4: (view, at, little) => view.getInt16(at, little),
  8: (view, at, little) => view.getInt32(at, little),
  16: (view, at, little) => view.getFloat32(at, little),
  64: (view, at, little) => view.getFloat64(at, little),
  256: (view, at) => view.getInt8(at),
  512: (view, at, little) => view.getUint16(at, little)
};

/** The bytes of a file, gunzipped when it is gzip-compressed. */
async function fileBytes(file: Blob): Promise<ArrayBuffer> {
  const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
  if (head[0] === 0x1f && head[1] === 0x8b) {
    return new Response(file.stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer();
  }
  return file.arrayBuffer();
}

/** Read a NIfTI-1 volume (.nii or .nii.gz); null when the file is not one this reader knows. */
export async function readNifti(file: Blob): Promise<IVolume | null> {
  const buffer = await fileBytes(file);
  if (buffer.byteLength < 352) {
    return null;
  }
  const view = new DataView(buffer);
  const little = view.getInt32(0, true) === 348;
  if (!little && view.getInt32(0, false) !== 348) {
    return null;
  }
  const shape: [number, number, number] = [1, 2, 3].map(axis => Math.max(1, view.getInt16(40 + 2 * axis, little))) as [
    number,
    number,
    number
  ];
  const read = READERS[view.getInt16(70, little)];
  const bytes = view.getInt16(72, little) / 8;
  const offset = Math.max(352, Math.round(view.getFloat32(108, little)));
  const count = shape[0] * shape[1] * shape[2];
  if (!read || offset + count * bytes > buffer.byteLength) {
    return null;
  }
  const slope = view.getFloat32(112, little) || 1;
  const intercept = view.getFloat32(116, little) || 0;
  const values = new Float32Array(count);
  for (let index = 0; index < count; index++) {
    values[index] = read(view, offset + index * bytes, little) * slope + intercept;
  }
  return { shape, values };
}

/** The grey level window of a volume: an abdominal CT window for Hounsfield units, else its range. */
export function greyWindow(volume: IVolume): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (const value of volume.values) {
    low = Math.min(low, value);
    high = Math.max(high, value);
  }
  return low < -500 ? [-160, 240] : [low, high > low ? high : low + 1];
}
