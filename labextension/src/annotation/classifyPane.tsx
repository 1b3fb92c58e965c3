/** Assigning classes: the record or picture on show and the class buttons. */
import React from 'react';

import { apiURL } from '../api';
import { className, formatDate } from '../format';
import { IItem, ILabelScheme, sliceEndPoint } from './api';
import { AnnotationModel } from './model';
import { IMAGE_WINDOW, sliceGeometry, VOLUME_WINDOW, windowArgument } from './slices';
import { Key, Progress, Section, SuggestionSection } from './viewParts';

/** An item's picture (an image, or the middle axial slice of a volume) from the slice endpoint. */
export function ItemPicture({ item }: { item: IItem }): JSX.Element {
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
export function RecordTable({ item, units }: { item: IItem; units?: Record<string, string> }): JSX.Element {
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
export function trainsAs(scheme: ILabelScheme, value: string): string | null {
  const target = scheme.trains_as?.[value];
  return target ? `→ ${target}: ${className(target, scheme.names)}` : null;
}

/** Table cells that hold no value, as the server's training reads them (datasets.MISSING_VALUES). */
export const MISSING_CELLS = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '?', '-']);

/** The class a record's table column gives it (what training reads while it has no label), or null. */
export function columnClass(item: IItem | null, scheme: ILabelScheme): string | null {
  const value = scheme.column && item?.kind === 'record' ? item.meta[scheme.column] : undefined;
  const text = value === null || value === undefined ? '' : String(value).trim();
  return text && !MISSING_CELLS.has(text.toLowerCase()) ? text : null;
}

/** Assign one of the project's classes to records and images. */
export function ClassificationPane({ model, scheme }: { model: AnnotationModel; scheme: ILabelScheme }): JSX.Element {
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
