import { CommandRegistry } from '@lumino/commands';
import React, { useState } from 'react';

import { CommandIDs } from '../commandIds';
import { formatDate } from '../format';
import { listItems, sliceURL } from './client';
import { useRequest } from './hooks';
import { IAnnotation, IDataset, IItem, plural } from './types';

/** Items a page: records are light, thumbnails cost a render each. */
const PAGE_SIZE = { tabular: 50, image: 24, volume: 12 };

/** A cell's text; missing values show as an em dash. */
function cellText(value: unknown): string | null {
  if (value === null || value === undefined || value === '') {
    return null;
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** What an item's annotation says: its class, a mask, or nothing yet. */
function LabelState({ annotation }: { annotation?: IAnnotation }): JSX.Element {
  if (!annotation || (annotation.label === null && !annotation.has_mask)) {
    return <span className="mass-LabelState mass-mod-none">unlabelled</span>;
  }
  const who = annotation.updated_by
    ? `${annotation.updated_by}${annotation.updated_at ? `, ${formatDate(annotation.updated_at)}` : ''}`
    : '';
  return (
    <span className="mass-LabelState" title={who ? `Labelled by ${who}` : undefined}>
      {annotation.label !== null && <span className="mass-LabelState-label">{annotation.label}</span>}
      {annotation.has_mask && <span className="mass-LabelState-mask">mask</span>}
      {annotation.updated_by && <span className="mass-LabelState-who">{annotation.updated_by}</span>}
    </span>
  );
}

/** The records of a table, one row each, with their label state. */
function RecordTable({ items, columns }: { items: IItem[]; columns: string[] }): JSX.Element {
  return (
    <div className="mass-TableScroll">
      <table className="mass-Table">
        <thead>
          <tr>
            <th className="mass-Table-key">#</th>
            {columns.map(column => (
              <th key={column}>{column}</th>
            ))}
            <th>Label</th>
          </tr>
        </thead>
        <tbody>
          {items.map(item => (
            <tr key={item.id}>
              <td className="mass-Table-key" title={item.key}>
                {item.key.replace(/^row-0*/, '')}
              </td>
              {columns.map(column => {
                const text = cellText(item.meta[column]);
                return (
                  <td key={column} className={text === null ? 'mass-mod-missing' : undefined}>
                    {text ?? '—'}
                  </td>
                );
              })}
              <td>
                <LabelState annotation={item.annotation} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** "512 × 512", "512 × 512 × 90" from an item's metadata. */
function sizeText(item: IItem): string {
  const { width, height, shape } = item.meta;
  if (Array.isArray(shape)) {
    return shape.join(' × ');
  }
  return typeof width === 'number' && typeof height === 'number' ? `${width} × ${height}` : '';
}

/** The folder part of a key ("no_tumour/a.png" → "no_tumour"), or "". */
function folderOf(key: string): string {
  return key.slice(0, Math.max(0, key.lastIndexOf('/')));
}

/** The axial slice a thumbnail shows: the middle of a volume, the image itself. */
function thumbnailIndex(item: IItem): number {
  const { shape } = item.meta;
  if (item.kind === 'volume' && Array.isArray(shape) && typeof shape[2] === 'number') {
    return Math.floor(shape[2] / 2);
  }
  return 0;
}

/** Images or volumes as cards with a thumbnail; a card opens the annotation view at its item (click or Enter). */
function ThumbnailGrid({ items, commands }: { items: IItem[]; commands: CommandRegistry }): JSX.Element {
  return (
    <ul className="mass-ThumbGrid">
      {items.map(item => {
        const annotate = (): void =>
          void commands.execute(CommandIDs.annotate, { datasetId: item.dataset_id, itemId: item.id });
        return (
          <li
            key={item.id}
            className="mass-Thumb"
            data-item-id={item.id}
            title={`Annotate ${item.key}`}
            tabIndex={0}
            onClick={annotate}
            onKeyDown={event => {
              if (event.key === 'Enter') {
                annotate();
              }
            }}
          >
            <div className="mass-Thumb-frame">
              <img
                className="mass-Thumb-image"
                src={sliceURL(item.id, thumbnailIndex(item))}
                alt={`${item.key}${item.kind === 'volume' ? ', middle axial slice' : ''}`}
                loading="lazy"
              />
            </div>
            <div className="mass-Thumb-key">{item.key.slice(item.key.lastIndexOf('/') + 1)}</div>
            <div className="mass-Thumb-meta">
              <span>{[folderOf(item.key), sizeText(item)].filter(Boolean).join(' · ')}</span>
              <LabelState annotation={item.annotation} />
            </div>
          </li>
        );
      })}
    </ul>
  );
}

/** The Items tab: a page of records or thumbnails, with a filter and a pager. */
export function ItemsTab(props: { dataset: IDataset; generation: number; commands: CommandRegistry }): JSX.Element {
  const { dataset, generation, commands } = props;
  const [offset, setOffset] = useState(0);
  const [unlabelled, setUnlabelled] = useState(false);
  const limit = PAGE_SIZE[dataset.kind] ?? 24;
  const { value: page, error } = useRequest(
    () => listItems(dataset.id, { offset, limit, unlabelled }),
    [dataset.id, offset, limit, unlabelled, generation]
  );
  const total = page?.total ?? 0;
  const columns =
    dataset.report.columns && dataset.report.columns.length > 0
      ? dataset.report.columns
      : Object.keys(page?.items[0]?.meta ?? {});

  let body: JSX.Element;
  if (error) {
    body = <div className="mass-Message mass-mod-error">Cannot load the items: {error}</div>;
  } else if (!page) {
    body = <div className="mass-Message">Loading items…</div>;
  } else if (page.items.length === 0) {
    body = (
      <div className="mass-Message">{unlabelled ? 'Every item is labelled.' : 'This dataset has no items.'}</div>
    );
  } else if (dataset.kind === 'tabular') {
    body = <RecordTable items={page.items} columns={columns} />;
  } else {
    body = <ThumbnailGrid items={page.items} commands={commands} />;
  }
  return (
    <div className="mass-ItemsTab">
      <div className="mass-Toolbar">
        <label className="mass-Check">
          <input
            type="checkbox"
            checked={unlabelled}
            onChange={event => {
              setUnlabelled(event.target.checked);
              setOffset(0);
            }}
          />
          Unlabelled only
        </label>
        {dataset.kind !== 'tabular' && (
          <span className="mass-Hint">Click a picture, or press Enter on it, to annotate it.</span>
        )}
        <span className="mass-Toolbar-spacer" />
        <span className="mass-Pager-text">
          {total > 0 &&
            `${(offset + 1).toLocaleString()}–${Math.min(offset + limit, total).toLocaleString()} of ${plural(
              total,
              'item'
            )}`}
        </span>
        <button
          className="mass-TextButton"
          disabled={offset === 0}
          onClick={() => setOffset(Math.max(0, offset - limit))}
        >
          Previous
        </button>
        <button
          className="mass-TextButton"
          disabled={offset + limit >= total}
          onClick={() => setOffset(offset + limit)}
        >
          Next
        </button>
      </div>
      {body}
    </div>
  );
}
