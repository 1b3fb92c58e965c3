/** Painting masks: the slice stage, the tools and windows, mask volumes in mL. */
import { LabIcon, redoIcon, undoIcon } from '@jupyterlab/ui-components';
import React, { useEffect, useRef, useState } from 'react';

import { formatML } from '../format';
import { getMaskVolumes, IClassVolume } from './api';
import { brushIcon, eraserIcon, fillIcon } from './icons';
import { AnnotationModel } from './model';
import { SliceCanvas } from './painter';
import { MAX_BRUSH, MIN_BRUSH, SegmentationModel, Tool } from './segmentation';
import { AXES, classCSSColour, WINDOW_PRESETS, WindowPreset } from './slices';
import { Key, Progress, Section, SuggestionSection, ToolButton, title } from './viewParts';

/** The painting canvas with its slice overlays and slice slider. */
export function SliceStage({ seg }: { seg: SegmentationModel }): JSX.Element {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const canvas = host.current ? new SliceCanvas(host.current, seg) : null;
    return () => canvas?.dispose();
  }, [seg]);
  const geometry = seg.geometry;
  const count = geometry?.count ?? 1;
  const { level, width, preset } = seg.window;
  return (
    <main className="mass-AnnotationStage mass-mod-slices">
      <div
        className="mass-SliceViewport"
        data-tool={seg.tool}
        data-slice={`${seg.axis}:${seg.index}`}
        data-loading={seg.loading || !seg.image}
      >
        <div className="mass-SliceViewport-canvas" ref={host} />
        <div className="mass-SliceViewport-info mass-mod-start">
          {seg.isVolume ? title(seg.axis) : 'Image'}
          {geometry && (
            <span className="mass-SliceViewport-dim">
              {' '}
              {geometry.columns}×{geometry.rows}
            </span>
          )}
        </div>
        <div className="mass-SliceViewport-info mass-mod-end">
          {preset ? `${title(preset)} · ` : ''}L {Math.round(level)} · W {Math.round(width)}
        </div>
        {seg.loadError && <div className="mass-SliceViewport-error">{seg.loadError}</div>}
      </div>
      <div className="mass-SliceNav">
        <button
          className="mass-IconButton"
          title="Slice down (PageDown)"
          aria-label="Slice down"
          disabled={seg.index <= 0}
          onClick={() => void seg.step(-1)}
        >
          ‹
        </button>
        <input
          className="mass-SliceNav-slider"
          type="range"
          min={0}
          max={count - 1}
          value={seg.index}
          disabled={count <= 1}
          aria-label="Slice"
          onChange={event => void seg.setIndex(Number(event.currentTarget.value))}
        />
        <button
          className="mass-IconButton"
          title="Slice up (PageUp)"
          aria-label="Slice up"
          disabled={seg.index >= count - 1}
          onClick={() => void seg.step(1)}
        >
          ›
        </button>
        <span className="mass-SliceNav-label">
          {seg.index + 1} / {count}
        </span>
      </div>
    </main>
  );
}

/** How much of each label class the item's mask holds: voxels, and mL for a volume; fetched again after each save. */
export function MaskVolumes({ seg }: { seg: SegmentationModel }): JSX.Element | null {
  const itemId = seg.item?.id;
  const [volumes, setVolumes] = useState<IClassVolume[] | null>(null);
  useEffect(() => {
    let live = true;
    if (itemId !== undefined) {
      getMaskVolumes(itemId).then(
        found => live && setVolumes(found),
        () => live && setVolumes(null)
      );
    }
    return () => {
      live = false;
    };
  }, [itemId, seg.version]);
  if (!volumes) {
    return null;
  }
  return (
    <Section heading="Volumes">
      <ul className="mass-MaskVolumes" aria-label="Mask volumes">
        {volumes.map(found => (
          <li key={found.value} className="mass-MaskVolumes-row" data-value={found.value}>
            <span className="mass-Swatch" style={{ background: classCSSColour(found.value) }} />
            <span className="mass-MaskVolumes-name">{found.name}</span>
            <span className="mass-MaskVolumes-value">
              {found.ml !== null && <strong>{formatML(found.ml)}</strong>}
              <span className="mass-MaskVolumes-voxels">
                {found.voxels.toLocaleString()} {seg.isVolume ? 'voxels' : 'pixels'}
              </span>
            </span>
          </li>
        ))}
      </ul>
      {seg.isVolume && <div className="mass-AnnotationSide-note">mL from the volume's voxel spacing.</div>}
    </Section>
  );
}

export const TOOLS: { tool: Tool; label: string; key: string; icon: LabIcon }[] = [
  { tool: 'brush', label: 'Brush', key: 'B', icon: brushIcon },
  { tool: 'eraser', label: 'Eraser', key: 'E', icon: eraserIcon },
  { tool: 'fill', label: 'Fill', key: 'F', icon: fillIcon }
];

/** Paint masks on image and volume slices. */
export function SegmentationPane({ model, seg }: { model: AnnotationModel; seg: SegmentationModel }): JSX.Element {
  const paintable = seg.classes.filter(option => option.value !== 0);
  return (
    <div className="mass-AnnotationView-body">
      <SliceStage seg={seg} />
      <aside className="mass-AnnotationSide">
        {seg.isVolume && (
          <Section heading="View">
            <div className="mass-Segmented">
              {AXES.map(axis => (
                <ToolButton
                  key={axis}
                  label={title(axis)}
                  shortcut={axis.charAt(0).toUpperCase()}
                  active={seg.axis === axis}
                  onClick={() => void seg.setAxis(axis)}
                />
              ))}
            </div>
          </Section>
        )}
        <Section heading="Tool">
          <div className="mass-Segmented">
            {TOOLS.map(({ tool, label, key, icon }) => (
              <ToolButton
                key={tool}
                icon={icon}
                label={label}
                shortcut={key}
                active={seg.tool === tool}
                onClick={() => seg.setTool(tool)}
              />
            ))}
          </div>
          <label className="mass-Slider" title="Brush size in pixels ([ and ])">
            <span className="mass-Slider-label">Size</span>
            <input
              type="range"
              min={MIN_BRUSH}
              max={MAX_BRUSH}
              value={seg.brushSize}
              disabled={seg.tool === 'fill'}
              onChange={event => seg.setBrushSize(Number(event.currentTarget.value))}
            />
            <span className="mass-Slider-value">{seg.brushSize} px</span>
          </label>
        </Section>
        <Section heading="Label">
          <div className="mass-ClassList" role="radiogroup" aria-label="Label class">
            {paintable.map(option => (
              <button
                key={option.value}
                role="radio"
                aria-checked={seg.activeClass === option.value}
                className={
                  seg.activeClass === option.value && seg.tool !== 'eraser'
                    ? 'mass-ClassButton mass-mod-active'
                    : 'mass-ClassButton'
                }
                onClick={() => seg.setActiveClass(option.value)}
              >
                {option.value <= 9 && <Key>{option.value}</Key>}
                <span className="mass-Swatch" style={{ background: classCSSColour(option.value) }} />
                <span className="mass-ClassButton-name">{option.name}</span>
              </button>
            ))}
          </div>
          <label className="mass-Slider">
            <span className="mass-Slider-label">Opacity</span>
            <input
              type="range"
              min={0}
              max={100}
              value={Math.round(seg.opacity * 100)}
              onChange={event => seg.setOpacity(Number(event.currentTarget.value) / 100)}
            />
            <span className="mass-Slider-value">{Math.round(seg.opacity * 100)}%</span>
          </label>
        </Section>
        <Section heading="Window">
          {seg.isVolume && (
            <div className="mass-Segmented">
              {(Object.keys(WINDOW_PRESETS) as WindowPreset[]).map(name => (
                <ToolButton
                  key={name}
                  label={title(name)}
                  title={`${title(name)}: level ${WINDOW_PRESETS[name].level}, width ${WINDOW_PRESETS[name].width}`}
                  active={seg.window.preset === name}
                  onClick={() => seg.setWindow({ ...WINDOW_PRESETS[name], preset: name })}
                />
              ))}
            </div>
          )}
          <div className="mass-WindowInfo">
            <span>
              Level {Math.round(seg.window.level)} · Width {Math.round(seg.window.width)}
            </span>
            <button className="mass-AnnotationLink" onClick={() => seg.resetWindow()}>
              Reset
            </button>
          </div>
          <div className="mass-AnnotationSide-note">Right-drag or Shift-drag on the slice: ↔ width, ↕ level.</div>
        </Section>
        <Section heading="Edit">
          <div className="mass-Segmented">
            <ToolButton
              icon={undoIcon}
              label="Undo"
              shortcut="Ctrl+Z"
              disabled={!seg.canUndo}
              onClick={() => void seg.undo()}
            />
            <ToolButton
              icon={redoIcon}
              label="Redo"
              shortcut="Ctrl+Shift+Z"
              disabled={!seg.canRedo}
              onClick={() => void seg.redo()}
            />
          </div>
        </Section>
        <MaskVolumes seg={seg} />
        <SuggestionSection model={model} classes={[]} />
        <Progress model={model} />
        <div className="mass-AnnotationSide-hint">
          Press <Key>?</Key> for keyboard shortcuts
        </div>
      </aside>
    </div>
  );
}
