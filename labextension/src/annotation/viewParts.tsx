/** Pieces of the annotation view: keys, tool buttons, side-panel sections, progress, model suggestions, the save notice. */
import { LabIcon } from '@jupyterlab/ui-components';
import React from 'react';

import { className, UNCERTAINTY_HINT } from '../format';
import { AnnotationModel } from './model';

/** Upper-case the first letter. */
export function title(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A keyboard key, as the help and the buttons show it. */
export function Key({ children }: { children: React.ReactNode }): JSX.Element {
  return <kbd className="mass-Key">{children}</kbd>;
}

/** A button with an icon, text and an optional shortcut, pressed when `active`. */
export function ToolButton(props: {
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
export function Section({ heading, children }: { heading: string; children: React.ReactNode }): JSX.Element {
  return (
    <section className="mass-AnnotationSide-section">
      <h3 className="mass-AnnotationSide-title">{heading}</h3>
      {children}
    </section>
  );
}

/** "labelled / total" with a bar. */
export function Progress({ model }: { model: AnnotationModel }): JSX.Element {
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
export function ProbabilityBars(props: { probabilities: Record<string, number>; names?: Record<string, string> }): JSX.Element {
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
export interface IClassChoices {
  classes: string[];
  names?: Record<string, string>;
}

/** The suggestion for the item on show, and the way to accept it. */
export function ItemSuggestion({ model, classes, names }: { model: AnnotationModel } & IClassChoices): JSX.Element | null {
  const suggestion = model.prelabel.suggestion;
  const item = model.item;
  if (!suggestion || !item || suggestion.item_id !== item.id) {
    return item && model.prelabel.job ? <div className="mass-AnnotationSide-note">No suggestion for this item.</div> : null;
  }
  const from = `${suggestion.model} v${suggestion.version}`;
  const label = suggestion.label ?? null;
  const unknown = !suggestion.has_mask && label !== null && !classes.includes(label);
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
export function SuggestionSection({ model, classes, names }: { model: AnnotationModel } & IClassChoices): JSX.Element {
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
export function SaveNotice({ model }: { model: AnnotationModel }): JSX.Element | null {
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
