/** The preview of a cleaning recipe: before and after tables, pictures, summaries and missing values. */
import React, { useEffect, useRef } from 'react';

import { BarList } from './charts';
import { ChartCard, missingBars } from './quality';
import {
  IPreviewPicture,
  IRecipePreview,
  isTablePreview,
  ITablePreview,
  ItemSummary,
  plural,
  Quality
} from './types';

/** A cell as text ('' for missing). */
function cell(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

/** Numbers as text compare by value: "40" and 40.0 are the same cell. */
function sameCell(a: unknown, b: unknown): boolean {
  if (cell(a) === cell(b)) {
    return true;
  }
  const x = Number(cell(a));
  const y = Number(cell(b));
  return cell(a) !== '' && cell(b) !== '' && !Number.isNaN(x) && x === y;
}

/** A cell of a table: its row and column, from 0. */
interface ICell {
  row: number;
  column: number;
}

/** One side of a table preview; `was` gives the before-value of a changed cell. */
function PreviewTable(props: {
  title: string;
  table: ITablePreview;
  was?: (row: number, column: number) => { changed: boolean; before: unknown };
  /** The cell to scroll into view (the first changed one). */
  focus?: ICell;
}): JSX.Element {
  const { title, table, was, focus } = props;
  const total = table.total_rows ?? table.rows.length;
  const scroller = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // The focused cell in the middle of this table's box, then the box in view on the page.
    const box = scroller.current;
    const target = focus && box?.querySelector<HTMLElement>(
      `tbody > tr:nth-child(${focus.row + 1}) > td:nth-child(${focus.column + 1})`
    );
    if (box && target) {
      box.scrollTop = Math.max(0, target.offsetTop - box.clientHeight / 2);
      box.scrollLeft = Math.max(0, target.offsetLeft - (box.clientWidth - target.offsetWidth) / 2);
      target.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    }
  }, [table, focus?.row, focus?.column]);
  return (
    <div className="mass-PreviewSide">
      <div className="mass-PreviewSide-title">
        {title}
        <span className="mass-ChartCard-note">
          {table.rows.length < total ? `first ${table.rows.length} of ${plural(total, 'row')}` : plural(total, 'row')}
        </span>
      </div>
      <div className="mass-TableScroll" ref={scroller}>
        <table className="mass-Table mass-mod-compact">
          <thead>
            <tr>
              {table.columns.map(column => (
                <th key={column}>{column}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((row, r) => (
              <tr key={r}>
                {row.map((value, c) => {
                  const change = was?.(r, c);
                  const classes = [
                    value === null || value === '' ? 'mass-mod-missing' : '',
                    change?.changed ? 'mass-mod-changed' : ''
                  ].join(' ');
                  return (
                    <td
                      key={c}
                      className={classes.trim() || undefined}
                      title={change?.changed ? `was: ${cell(change.before) || '(missing)'}` : undefined}
                    >
                      {value === null || value === '' ? '—' : String(value)}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** Before and after tables, changed cells highlighted where rows line up. */
function TablesPreview({ before, after }: { before: ITablePreview; after: ITablePreview }): JSX.Element {
  const beforeTotal = before.total_rows ?? before.rows.length;
  const afterTotal = after.total_rows ?? after.rows.length;
  const rowsAlign = beforeTotal === afterTotal;
  // An after-column matches the before-column of its name, else the one at its place (a renamed column).
  const sourceColumn = after.columns.map((name, index) => {
    const found = before.columns.indexOf(name);
    return found >= 0 ? found : before.columns.length === after.columns.length ? index : -1;
  });
  const was = (row: number, column: number): { changed: boolean; before: unknown } => {
    const source = sourceColumn[column];
    if (!rowsAlign || source < 0) {
      return { changed: source < 0, before: null };
    }
    const old = before.rows[row]?.[source];
    return { changed: !sameCell(old, after.rows[row]?.[column]), before: old };
  };
  const changed: ICell[] = after.rows.flatMap((row, r) =>
    row.flatMap((_, c) => (was(r, c).changed && sourceColumn[c] >= 0 ? [{ row: r, column: c }] : []))
  );
  const first = rowsAlign ? changed[0] : undefined;
  return (
    <>
      <p className="mass-Quality-summary">
        {rowsAlign
          ? `${plural(changed.length, 'cell')} changed in the rows shown`
          : `${plural(beforeTotal - afterTotal, 'row')} removed: rows no longer line up one to one, so changed cells are not marked`}
        {after.columns.length !== before.columns.length &&
          ` · ${plural(before.columns.length - after.columns.length, 'column')} removed`}
      </p>
      <div className="mass-PreviewPair">
        <PreviewTable
          title="Before"
          table={before}
          focus={first && { row: first.row, column: sourceColumn[first.column] }}
        />
        <PreviewTable title="After" table={after} was={was} focus={first} />
      </div>
    </>
  );
}

/** "20 × 20 pixels · axial slice 6 of 10": what a preview picture shows. */
function pictureCaption(picture: IPreviewPicture): string {
  const size = `${picture.width} × ${picture.height} pixels`;
  const slice = picture.slice;
  return slice ? `${size} · middle ${slice.axis} slice, ${slice.index + 1} of ${slice.count}` : size;
}

/** The item before and after the steps, side by side at the same size. */
function PicturesPreview({ before, after }: { before: IPreviewPicture; after: IPreviewPicture }): JSX.Element {
  return (
    <div className="mass-PreviewPair mass-PreviewPictures">
      {([['Before', before], ['After', after]] as const).map(([title, picture]) => (
        <figure key={title} className="mass-PreviewPicture">
          <img src={picture.src} alt={`The first item ${title.toLowerCase()} the steps`} />
          <figcaption>
            <strong>{title}</strong> {pictureCaption(picture)}
          </figcaption>
        </figure>
      ))}
    </div>
  );
}

/** Before and after summaries of one image or volume, changed values marked. */
function SummaryPreview(props: { before: object; after: object }): JSX.Element {
  const before: ItemSummary = Object.fromEntries(Object.entries(props.before));
  const after: ItemSummary = Object.fromEntries(Object.entries(props.after));
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  // A range reads "0 – 255"; a shape or spacing "64 × 64 × 32".
  const text = (value: unknown, key = ''): string =>
    Array.isArray(value) ? value.map(entry => cell(entry)).join(key.endsWith('range') ? ' – ' : ' × ') : cell(value);
  return (
    <table className="mass-Table mass-mod-compact mass-SummaryTable">
      <thead>
        <tr>
          <th />
          <th>Before</th>
          <th>After</th>
        </tr>
      </thead>
      <tbody>
        {keys.map(key => {
          const changed = text(before[key]) !== text(after[key]);
          return (
            <tr key={key}>
              <th scope="row">{key.replace(/_/g, ' ')}</th>
              <td>{text(before[key], key)}</td>
              <td className={changed ? 'mass-mod-changed' : undefined}>{text(after[key], key)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Missing values per column before and after, as two bar lists on one scale. */
function QualityPair({ before, after }: { before: Quality; after: Quality }): JSX.Element | null {
  if (before.kind !== 'tabular' || after.kind !== 'tabular') {
    return null;
  }
  const max = Math.max(before.rows, after.rows, 1);
  return (
    <div className="mass-ChartGrid">
      <ChartCard title="Missing values before" note={plural(before.rows, 'row')}>
        <BarList bars={missingBars(before)} max={max} warn width={320} title="Missing values per column before" />
      </ChartCard>
      <ChartCard title="Missing values after" note={plural(after.rows, 'row')}>
        <BarList bars={missingBars(after)} max={max} warn width={320} title="Missing values per column after" />
      </ChartCard>
    </div>
  );
}

/** What a preview shows, by the dataset's kind. */
export function PreviewView({ preview, stale }: { preview: IRecipePreview; stale: boolean }): JSX.Element {
  const { before, after } = preview;
  return (
    <section className={`mass-Preview${stale ? ' mass-mod-stale' : ''}`} aria-label="Preview">
      <h3 className="mass-SubTitle">Preview</h3>
      {stale && <div className="mass-Hint mass-mod-warn">The steps changed since this preview: preview again.</div>}
      {isTablePreview(before) && isTablePreview(after) ? (
        <TablesPreview before={before} after={after} />
      ) : (
        <>
          {preview.item && <p className="mass-Quality-summary">The first item, {preview.item}:</p>}
          {preview.pictures && <PicturesPreview {...preview.pictures} />}
          <SummaryPreview before={before} after={after} />
        </>
      )}
      {preview.quality_before && preview.quality_after && (
        <QualityPair before={preview.quality_before} after={preview.quality_after} />
      )}
    </section>
  );
}
