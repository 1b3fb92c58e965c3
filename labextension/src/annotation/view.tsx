import { ReactWidget } from '@jupyterlab/apputils';
import { LabIcon, redoIcon, undoIcon } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import React, { useEffect, useRef, useState } from 'react';

import { apiURL } from '../api';
import { className, formatDate, formatML, UNCERTAINTY_HINT } from '../format';
import { getMaskVolumes, IClassVolume, IItem, ILabelScheme, sliceEndPoint } from './api';
import { brushIcon, eraserIcon, fillIcon } from './icons';
import { AnnotationModel } from './model';
import { SliceCanvas } from './painter';
import { MAX_BRUSH, MIN_BRUSH, SegmentationModel, Tool } from './segmentation';
import {
  AXES,
  classCSSColour,
  IMAGE_WINDOW,
  sliceGeometry,
  VOLUME_WINDOW,
  WINDOW_PRESETS,
  WindowPreset,
  windowArgument
} from './slices';

/** Table cells that hold no value, as the server's training reads them (datasets.MISSING_VALUES). */
const MISSING_CELLS = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '?', '-']);

/** Upper-case the first letter. */
function title(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A keyboard key, as the help and the buttons show it. */
function Key({ children }: { children: React.ReactNode }): JSX.Element {
  return <kbd className="mass-Key">{children}</kbd>;
}

/** A button with an icon, text and an optional shortcut, pressed when `active`. */
function ToolButton(props: {
  icon?: LabIcon;
  label: string;
  shortcut?: string;
  active?: boolean;
  disabled?: boolean;
  title?: string;
  onClick: () => void;
}): JSX.Element {
  return (
    <button
      className={`mass-ToolButton${props.active ? ' mass-mod-active' : ''}`}
      aria-pressed={props.active}
      disabled={props.disabled}
      title={props.title ?? (props.shortcut ? `${props.label} (${props.shortcut})` : props.label)}
      onClick={props.onClick}
    >
      {props.icon && <props.icon.react tag="span" className="mass-ButtonIcon" />}
      <span>{props.label}</span>
    </button>
  );
}

/** One titled group of the side panel. */
function Section({ heading, children }: { heading: string; children: React.ReactNode }): JSX.Element {
  return (
    <section className="mass-AnnotationSide-section">
      <h3 className="mass-AnnotationSide-title">{heading}</h3>
      {children}
    </section>
  );
}

/** "labelled / total" with a bar. */
function Progress({ model }: { model: AnnotationModel }): JSX.Element {
  const share = model.total > 0 ? (100 * model.labelled) / model.total : 0;
  return (
    <Section heading="Progress">
      <div className="mass-AnnotationProgress">
        <span className="mass-AnnotationProgress-count">
          {model.labelled} / {model.total}
        </span>
        <span className="mass-AnnotationProgress-unit"> {model.mode === 'segment' ? 'with a mask' : 'labelled'}</span>
      </div>
      <div
        className="mass-Progress"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={model.total}
        aria-valuenow={model.labelled}
      >
        <div className="mass-Progress-fill" style={{ width: `${share}%` }} />
      </div>
      <label className="mass-AnnotationCheck">
        <input
          type="checkbox"
          checked={model.unlabelledOnly}
          onChange={event => void model.setUnlabelledOnly(event.currentTarget.checked)}
        />
        Show only unlabelled <Key>U</Key>
      </label>
    </Section>
  );
}

/** Class probabilities as bars, the suggested class first. */
function ProbabilityBars(props: { probabilities: Record<string, number>; names?: Record<string, string> }): JSX.Element {
  const entries = Object.entries(props.probabilities).sort((a, b) => b[1] - a[1]);
  return (
    <div className="mass-ProbabilityBars">
      {entries.map(([value, p]) => (
        <div
          key={value}
          className="mass-ProbabilityBars-row"
          title={`${className(value, props.names)}: ${(100 * p).toFixed(1)}%`}
        >
          <span className="mass-ProbabilityBars-name">{className(value, props.names)}</span>
          <span className="mass-ProbabilityBars-track">
            <span className="mass-ProbabilityBars-fill" style={{ width: `${100 * p}%` }} />
          </span>
          <span className="mass-ProbabilityBars-value">{Math.round(100 * p)}%</span>
        </div>
      ))}
    </div>
  );
}

/** What a suggestion section knows of the project's classes: their values and names. */
interface IClassChoices {
  classes: string[];
  names?: Record<string, string>;
}

/** The suggestion for the item on show, and the way to accept it. */
function ItemSuggestion({ model, classes, names }: { model: AnnotationModel } & IClassChoices): JSX.Element | null {
  const suggestion = model.prelabel.suggestion;
  const item = model.item;
  if (!suggestion || !item || suggestion.item_id !== item.id) {
    return item && model.prelabel.job ? <div className="mass-AnnotationSide-note">No suggestion for this item.</div> : null;
  }
  const from = `${suggestion.model} v${suggestion.version}`;
  const unknown = !suggestion.has_mask && suggestion.label !== null && !classes.includes(suggestion.label);
  const accepted = !suggestion.has_mask && item.annotation?.label === suggestion.label;
  let action = 'Accept';
  if (suggestion.has_mask) {
    action = item.annotation?.has_mask ? 'Replace my mask with it' : 'Accept the mask';
  }
  return (
    <div className="mass-Suggestion">
      <div className="mass-Suggestion-head">
        {suggestion.has_mask ? (
          <span>A suggested mask</span>
        ) : (
          <span>
            Suggested: <strong>{className(suggestion.label ?? '', names)}</strong>
          </span>
        )}
        <span className="mass-Suggestion-from" title={`${UNCERTAINTY_HINT} Here: ${suggestion.uncertainty.toFixed(3)}.`}>
          {from} · uncertainty {suggestion.uncertainty.toFixed(2)}{' '}
          <span className="mass-Suggestion-scale">(0 sure … 1 no idea)</span>
        </span>
      </div>
      {suggestion.probabilities && <ProbabilityBars probabilities={suggestion.probabilities} names={names} />}
      {unknown ? (
        <div className="mass-AnnotationSide-note">
          The model predicts “{className(suggestion.label ?? '', names)}”, which is not one of this project’s classes;
          choose a class yourself.
        </div>
      ) : (
        <ToolButton
          label={accepted ? 'Accepted' : action}
          shortcut="Enter"
          disabled={accepted}
          onClick={() => void model.acceptSuggestion()}
        />
      )}
    </div>
  );
}

/** Pre-labelling with the project's latest model, its progress, and ordering by uncertainty. */
function SuggestionSection({ model, classes, names }: { model: AnnotationModel } & IClassChoices): JSX.Element {
  const prelabel = model.prelabel;
  const job = prelabel.job;
  return (
    <Section heading="Model suggestions">
      {prelabel.running && job ? (
        <>
          <div className="mass-AnnotationSide-note">
            Pre-labelling with {job.model} v{job.version}: {job.done} / {job.total}
          </div>
          <div className="mass-Progress" role="progressbar" aria-valuemin={0} aria-valuemax={job.total} aria-valuenow={job.done}>
            <div className="mass-Progress-fill" style={{ width: `${job.total ? (100 * job.done) / job.total : 0}%` }} />
          </div>
        </>
      ) : (
        <ToolButton
          label="Pre-label"
          title="Let the project's latest model suggest labels for the unlabelled items"
          onClick={() => void prelabel.start()}
        />
      )}
      {prelabel.error && <div className="mass-AnnotationSide-error">{prelabel.error}</div>}
      <ItemSuggestion model={model} classes={classes} names={names} />
      <label className="mass-AnnotationCheck">
        <input
          type="checkbox"
          checked={model.order === 'uncertainty'}
          onChange={event => void model.setOrder(event.currentTarget.checked ? 'uncertainty' : 'import')}
        />
        Most uncertain first <Key>O</Key>
      </label>
      <div className="mass-AnnotationSide-note mass-UncertaintyHint">
        {UNCERTAINTY_HINT}
        {model.mode === 'segment' ? ' For a mask: the mean over its voxels.' : ''} Labelling the most uncertain items
        first teaches the next model most.
      </div>
    </Section>
  );
}

/** The conflict or error notice, with the ways out. It does not block the page. */
function SaveNotice({ model }: { model: AnnotationModel }): JSX.Element | null {
  const state = model.saveState;
  if ((state !== 'conflict' && state !== 'error') || !model.message) {
    return null;
  }
  const segment = model.mode === 'segment';
  const conflict = state === 'conflict';
  const kept = segment ? 'Your strokes are kept in this page.' : 'Your choice is kept, marked as not saved.';
  const message = /[.!?]$/.test(model.message) ? model.message : `${model.message}.`;
  return (
    <div className={`mass-SaveNotice${conflict ? ' mass-mod-conflict' : ''}`} role="alert">
      <div className="mass-SaveNotice-text">
        <strong>{conflict ? 'Someone else saved this item first.' : 'Not saved.'}</strong> {message} {kept}
      </div>
      <div className="mass-SaveNotice-actions">
        <button className="jp-mod-styled jp-mod-reject" onClick={() => void model.reload()}>
          {segment ? 'Reload theirs' : 'Reload'}
        </button>
        <button className="jp-mod-styled jp-mod-accept" onClick={() => void model.keepMine()}>
          {conflict ? 'Keep mine' : 'Try again'}
        </button>
      </div>
    </div>
  );
}

/** An item's picture (an image, or the middle axial slice of a volume) from the slice endpoint. */
function ItemPicture({ item }: { item: IItem }): JSX.Element {
  const middle = Math.floor((sliceGeometry(item, 'axial')?.count ?? 1) / 2);
  const window = windowArgument(item.kind === 'volume' ? VOLUME_WINDOW : IMAGE_WINDOW);
  return (
    <div className="mass-PictureFrame">
      <img
        className="mass-ItemPicture"
        src={apiURL(sliceEndPoint(item.id, { axis: 'axial', index: middle }, window))}
        alt={item.key}
      />
    </div>
  );
}

/** A record's values as a compact key/value table, each with its unit when the project gives one. */
function RecordTable({ item, units }: { item: IItem; units?: Record<string, string> }): JSX.Element {
  return (
    <table className="mass-RecordTable">
      <tbody>
        {Object.entries(item.meta).map(([column, value]) => (
          <tr key={column}>
            <th scope="row">{column}</th>
            <td>
              {value === null || value === undefined || value === '' ? (
                <span className="mass-mod-missing">—</span>
              ) : (
                String(value)
              )}
              {units?.[column] && <span className="mass-RecordTable-unit"> {units[column]}</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** What a class trains as under the config's `positive_when`, in words; null when it trains as itself. */
function trainsAs(scheme: ILabelScheme, value: string): string | null {
  const target = scheme.trains_as?.[value];
  return target ? `→ ${target}: ${className(target, scheme.names)}` : null;
}

/** The class a record's table column gives it (what training reads while it has no label), or null. */
function columnClass(item: IItem | null, scheme: ILabelScheme): string | null {
  const value = scheme.column && item?.kind === 'record' ? item.meta[scheme.column] : undefined;
  const text = value === null || value === undefined ? '' : String(value).trim();
  return text && !MISSING_CELLS.has(text.toLowerCase()) ? text : null;
}

/** Assign one of the project's classes to records and images. */
function ClassificationPane({ model, scheme }: { model: AnnotationModel; scheme: ILabelScheme }): JSX.Element {
  const { classes, names } = scheme;
  const item = model.item;
  const annotation = item?.annotation;
  const pending = model.pendingLabel;
  const fromColumn = annotation?.label ? null : columnClass(item, scheme);
  const shown = pending !== undefined ? pending : annotation?.label ?? fromColumn;
  let info: React.ReactNode = 'Not labelled yet.';
  if (pending !== undefined) {
    info = (
      <span className="mass-mod-pending">
        {pending === null ? 'Clearing the class' : `“${className(pending, names)}”`} —{' '}
        {model.saveState === 'saving' ? 'saving…' : 'not saved'}
      </span>
    );
  } else if (annotation?.label) {
    info = (
      <>
        Labelled by <strong>{annotation.updated_by}</strong> · {formatDate(annotation.updated_at, 'time')}
      </>
    );
  } else if (fromColumn !== null) {
    info = (
      <>
        From the table’s <strong>{scheme.column}</strong> column; a class chosen here takes its place.
      </>
    );
  } else if (annotation && annotation.version > 0) {
    info = `Class cleared by ${annotation.updated_by} · ${formatDate(annotation.updated_at, 'time')}`;
  }
  return (
    <div className="mass-AnnotationView-body">
      <main className="mass-AnnotationStage">
        {item?.kind === 'record' ? (
          <RecordTable item={item} units={scheme.units} />
        ) : (
          item && <ItemPicture item={item} />
        )}
      </main>
      <aside className="mass-AnnotationSide">
        <Section heading="Class">
          <div className="mass-ClassList" role="radiogroup" aria-label="Class">
            {classes.map((name, index) => (
              <button
                key={name}
                role="radio"
                aria-checked={shown === name}
                className={
                  'mass-ClassButton' +
                  (shown === name ? ' mass-mod-active' : '') +
                  (shown === name && pending !== undefined ? ' mass-mod-pending' : '')
                }
                disabled={!item}
                onClick={() => void model.assign(name)}
              >
                {index < 9 && <Key>{index + 1}</Key>}
                <span className="mass-ClassButton-text">
                  <span className="mass-ClassButton-name">{className(name, names)}</span>
                  {trainsAs(scheme, name) && <span className="mass-ClassButton-target">{trainsAs(scheme, name)}</span>}
                </span>
              </button>
            ))}
          </div>
          {scheme.trains_as && Object.keys(scheme.trains_as).length > 0 && (
            <div className="mass-AnnotationSide-note mass-TrainingTarget">
              The model learns “{className('positive', names)}” (positive) against “{className('negative', names)}”
              (negative); labels are kept as chosen.
            </div>
          )}
          <div className="mass-LabelInfo">{info}</div>
          {shown !== null && (
            <button className="mass-AnnotationLink" onClick={() => void model.assign(null)}>
              Clear the class <Key>0</Key>
            </button>
          )}
        </Section>
        <SuggestionSection model={model} classes={classes} names={names} />
        <Progress model={model} />
        <Section heading="Flow">
          <label className="mass-AnnotationCheck">
            <input
              type="checkbox"
              checked={model.advance}
              onChange={event => (model.advance = event.currentTarget.checked)}
            />
            Next item after labelling
          </label>
        </Section>
        <div className="mass-AnnotationSide-hint">
          Press <Key>?</Key> for keyboard shortcuts
        </div>
      </aside>
    </div>
  );
}

/** The painting canvas with its slice overlays and slice slider. */
function SliceStage({ seg }: { seg: SegmentationModel }): JSX.Element {
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
function MaskVolumes({ seg }: { seg: SegmentationModel }): JSX.Element | null {
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

const TOOLS: { tool: Tool; label: string; key: string; icon: LabIcon }[] = [
  { tool: 'brush', label: 'Brush', key: 'B', icon: brushIcon },
  { tool: 'eraser', label: 'Eraser', key: 'E', icon: eraserIcon },
  { tool: 'fill', label: 'Fill', key: 'F', icon: fillIcon }
];

/** Paint masks on image and volume slices. */
function SegmentationPane({ model, seg }: { model: AnnotationModel; seg: SegmentationModel }): JSX.Element {
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
