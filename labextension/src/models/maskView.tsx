import React, { useEffect, useRef, useState } from 'react';

import { classColour, classCSSColour } from '../annotation/slices';
import { greyWindow, IVolume, readNifti } from './nifti';
import { usePictureURL } from './picture';
import { IEncodedMask, IMaskPrediction } from './types';

/** A decoded mask: its values in C order and its shape ([H, W], or the volume's [X, Y, Z]). */
interface IMask {
  values: Uint8Array;
  shape: number[];
}

/** Decode a mask sent as base64 of gzip-compressed uint8 values. */
async function decodeMask(mask: IEncodedMask): Promise<IMask> {
  const bytes = Uint8Array.from(atob(mask.data), char => char.charCodeAt(0));
  let values = bytes;
  if (mask.encoding.includes('gzip')) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    values = new Uint8Array(await new Response(stream).arrayBuffer());
  }
  return { values, shape: mask.shape };
}

/** What a slice is drawn over: the uploaded volume (same grid as the mask) and its grey window. */
interface IBackground {
  volume: IVolume;
  window: [number, number];
}

/** The grey level (0–255) of voxel (x, y, z) of the background. */
function grey(background: IBackground, x: number, y: number, z: number): number {
  const [X, Y] = background.volume.shape;
  const value = background.volume.values[x + X * (y + Y * z)];
  const [low, high] = background.window;
  return Math.max(0, Math.min(255, Math.round((255 * (value - low)) / (high - low))));
}

/** Which voxel axis a screen axis walks, and whether backwards. */
interface IScreenAxis {
  axis: number;
  flip: boolean;
}

/** An affine's world axis (RAS+) and direction for each screen axis of an axial slice: the columns go
 * toward the patient's left, the rows toward posterior, the slices toward superior (index 0 the most
 * inferior), as the server's slices show volumes (radiological convention). */
const AXIAL_SCREEN: [number, number][] = [
  [0, -1],
  [1, -1],
  [2, 1]
];

/**
 * How an axial slice walks a volume's voxels, from its affine: each screen axis takes the voxel axis
 * closest to its anatomical direction (columns normalised, so thick slices do not outweigh the
 * others); no affine counts as RAS, as nibabel reads such a file.
 */
function axialAxes(affine: number[][] | undefined): IScreenAxis[] {
  const identity = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1]
  ];
  const matrix = affine ?? identity;
  const length = [0, 1, 2].map(axis => Math.hypot(matrix[0][axis], matrix[1][axis], matrix[2][axis]) || 1);
  const used = new Set<number>();
  return AXIAL_SCREEN.map(([world, sign]) => {
    let best = [0, 1, 2].find(axis => !used.has(axis)) ?? 0;
    for (const axis of [0, 1, 2]) {
      if (!used.has(axis) && Math.abs(matrix[world][axis] / length[axis]) > Math.abs(matrix[world][best] / length[best])) {
        best = axis;
      }
    }
    used.add(best);
    return { axis: best, flip: matrix[world][best] * sign < 0 };
  });
}

/** The voxel (in the mask's array order) that screen column, row and slice index show. */
function voxelAt(axes: IScreenAxis[], shape: number[], screen: number[]): number[] {
  const voxel = [0, 0, 0];
  axes.forEach(({ axis, flip }, at) => {
    voxel[axis] = flip ? shape[axis] - 1 - screen[at] : screen[at];
  });
  return voxel;
}

/**
 * One slice of the mask as RGBA: 2D masks as they are, 3D ones as the axial slice
 * `index` in the radiological convention (see `axialAxes`), over the volume's grey
 * levels when there is one, in the annotation view's class colours.
 */
function sliceRGBA(mask: IMask, axes: IScreenAxis[], index: number, background: IBackground | null): ImageData {
  const is3D = mask.shape.length === 3;
  const [rows, columns] = is3D ? [mask.shape[axes[1].axis], mask.shape[axes[0].axis]] : [mask.shape[0], mask.shape[1]];
  const image = new ImageData(columns, rows);
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      // 3D: the voxel [x, y, z] of a C-ordered [X, Y, Z] array that this pixel shows.
      const [x, y, z] = is3D ? voxelAt(axes, mask.shape, [column, row, index]) : [0, 0, 0];
      const at = is3D ? (x * mask.shape[1] + y) * mask.shape[2] + z : row * columns + column;
      const value = mask.values[at];
      const pixel = (row * columns + column) * 4;
      const level = background && is3D ? grey(background, x, y, z) : null;
      if (level !== null) {
        image.data.set([level, level, level, 255], pixel);
      }
      if (value > 0) {
        const [r, g, b] = classColour(value);
        const mix = (channel: number): number => (level === null ? channel : Math.round(0.45 * level + 0.55 * channel));
        image.data.set([mix(r), mix(g), mix(b), level === null ? 140 : 255], pixel);
      }
    }
  }
  return image;
}

/** The axial slice of a 3D mask with the most foreground, to show first. */
function busiestSlice(mask: IMask, axes: IScreenAxis[]): number {
  if (mask.shape.length !== 3) {
    return 0;
  }
  const [, Y, Z] = mask.shape;
  const { axis, flip } = axes[2];
  const depth = mask.shape[axis];
  const counts = new Array<number>(depth).fill(0);
  mask.values.forEach((value, at) => {
    if (value > 0) {
      const voxel = [Math.floor(at / (Y * Z)), Math.floor(at / Z) % Y, at % Z];
      counts[flip ? depth - 1 - voxel[axis] : voxel[axis]] += 1;
    }
  });
  return counts.indexOf(Math.max(...counts));
}

/**
 * The predicted mask over the input: a 2D picture under its mask, or a 3D
 * mask slice by slice with a slider, over the uploaded NIfTI volume (a DICOM
 * series, read on the server only, shows the mask alone).
 */
export function MaskView(props: { prediction: IMaskPrediction; deploymentId: number; file: File | null }): JSX.Element {
  const { prediction, file } = props;
  const [mask, setMask] = useState<IMask | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [index, setIndex] = useState(0);
  const canvas = useRef<HTMLCanvasElement>(null);
  const picture = usePictureURL(file);
  const depthAxis = axialAxes(prediction.affine)[2].axis;

  const [background, setBackground] = useState<IBackground | null>(null);
  useEffect(() => {
    let live = true;
    setBackground(null);
    if (file && /\.nii(\.gz)?$/i.test(file.name)) {
      readNifti(file).then(
        volume => live && volume && setBackground({ volume, window: greyWindow(volume) }),
        () => undefined // drawn without the volume
      );
    }
    return () => {
      live = false;
    };
  }, [file]);

  useEffect(() => {
    let live = true;
    decodeMask(prediction.mask).then(
      decoded => {
        if (live) {
          setMask(decoded);
          setIndex(busiestSlice(decoded, axialAxes(prediction.affine)));
        }
      },
      reason => live && setError(String(reason))
    );
    return () => {
      live = false;
    };
  }, [prediction]);

  useEffect(() => {
    const node = canvas.current;
    if (!node || !mask) {
      return;
    }
    const fits = background && background.volume.shape.join() === mask.shape.join();
    const image = sliceRGBA(mask, axialAxes(prediction.affine), index, fits ? background : null);
    node.width = image.width;
    node.height = image.height;
    node.getContext('2d')?.putImageData(image, 0, 0);
  }, [mask, index, background, prediction]);

  if (error) {
    return <div className="mass-Message mass-mod-error">Cannot show the mask: {error}</div>;
  }
  const depth = mask && mask.shape.length === 3 ? mask.shape[depthAxis] : 0;
  return (
    <div className="mass-MaskView">
      <div className="mass-MaskView-stack">
        {picture && <img className="mass-MaskView-image" src={picture} alt="The uploaded image" />}
        <canvas ref={canvas} className="mass-MaskView-mask" data-slice={index} aria-label="Predicted mask" />
      </div>
      {depth > 1 && (
        <label className="mass-MaskView-slider">
          Slice {index + 1} of {depth}
          <input
            type="range"
            min={0}
            max={depth - 1}
            value={index}
            onChange={event => setIndex(Number(event.target.value))}
          />
        </label>
      )}
      <ul className="mass-MaskView-legend">
        {Object.entries(prediction.classes)
          .filter(([value]) => value !== '0')
          .map(([value, name]) => {
            return (
              <li key={value}>
                <span className="mass-MaskView-swatch" style={{ background: classCSSColour(Number(value)) }} />
                {name}
              </li>
            );
          })}
      </ul>
    </div>
  );
}
