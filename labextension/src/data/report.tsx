import React from 'react';

import { IDataset, IDeidentification, kindTitle, plural } from './types';

/** At most this many attribute names are listed before "and N more". */
const NAMES_SHOWN = 12;

/** "A, B, C and 4 more". */
function nameList(names: string[]): string {
  const shown = names.slice(0, NAMES_SHOWN).join(', ');
  return names.length > NAMES_SHOWN ? `${shown} and ${names.length - NAMES_SHOWN} more` : shown;
}

/** What DICOM de-identification did, in words. */
function Deidentification({ deid }: { deid: IDeidentification }): JSX.Element {
  const removed = deid.removed ?? [];
  const replaced = deid.replaced ?? [];
  const cleaned = deid.cleaned ?? [];
  const shifted = deid.shifted ?? [];
  const applied = deid.profile_options ?? [];
  return (
    <div className="mass-Report-deid">
      <div className="mass-Report-deidTitle">
        De-identified{deid.files ? ` (${plural(deid.files, 'DICOM file')})` : ''}
        {deid.profile && <span className="mass-Report-profile"> — {deid.profile}</span>}
      </div>
      <ul className="mass-Report-deidList">
        {deid.options && (
          <li className="mass-Report-options">
            <strong>Options:</strong>{' '}
            {applied.length > 0 ? applied.join(', ') : 'none (descriptions and dates removed)'}
          </li>
        )}
        {removed.length > 0 && (
          <li title={removed.join(', ')}>
            <strong>Removed {plural(removed.length, 'attribute')}:</strong> {nameList(removed)}
          </li>
        )}
        {replaced.length > 0 && (
          <li title={replaced.join(', ')}>
            <strong>Replaced {plural(replaced.length, 'attribute')}:</strong> {nameList(replaced)}
          </li>
        )}
        {cleaned.length > 0 && (
          <li title={cleaned.join(', ')}>
            <strong>Kept after cleaning:</strong> {nameList(cleaned)}
          </li>
        )}
        {shifted.length > 0 && (
          <li title={shifted.join(', ')}>
            <strong>Shifted per patient ({plural(deid.dates_shifted ?? 0, 'date')}):</strong> {nameList(shifted)}
          </li>
        )}
        {(deid.uids_replaced ?? 0) > 0 && (
          <li>
            <strong>{plural(deid.uids_replaced ?? 0, 'UID')}</strong> replaced by a salted hash (stable within this
            workspace)
          </li>
        )}
        {(deid.private_tags_removed ?? 0) > 0 && (
          <li>
            <strong>{plural(deid.private_tags_removed ?? 0, 'private tag')}</strong> removed
          </li>
        )}
        {deid.method && <li className="mass-Report-method">{deid.method}</li>}
      </ul>
    </div>
  );
}

/** An import's report: kind, items, columns, warnings and de-identification. */
export function ImportReport({ dataset }: { dataset: IDataset }): JSX.Element {
  const { report } = dataset;
  const columns = report.columns ?? [];
  const warnings = report.warnings ?? [];
  const deid = report.deidentification;
  return (
    <div className="mass-Report">
      <div className="mass-Report-summary">
        <span className="mass-KindBadge" data-kind={dataset.kind}>
          {kindTitle(dataset.kind)}
        </span>
        <span className="mass-Report-count">{plural(dataset.item_count, 'item')}</span>
        {columns.length > 0 && (
          <span className="mass-Report-columns" title={columns.join(', ')}>
            {plural(columns.length, 'column')}: {nameList(columns)}
          </span>
        )}
      </div>
      {warnings.length > 0 && (
        <ul className="mass-Report-warnings" aria-label="Warnings">
          {warnings.map((warning, index) => (
            <li key={index}>{warning}</li>
          ))}
        </ul>
      )}
      {deid && Object.keys(deid).length > 0 && <Deidentification deid={deid} />}
    </div>
  );
}
