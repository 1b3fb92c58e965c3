/** The studies a PACS search found, each opening onto its series with a checkbox per series. */
import { caretDownIcon, caretRightIcon } from '@jupyterlab/ui-components';
import React from 'react';

import { plural } from '../data/types';
import { IPacsSeries, IPacsStudy } from './client';
import { IExpanded, PacsPanelModel } from './panelModel';
import { PredictButton, SeriesPrediction } from './seriesPrediction';

/** A DICOM person name ("Family^Given^Middle") as people write it: "Family, Given Middle". */
export function personName(name: string | null | undefined): string {
  if (!name) {
    return '—';
  }
  const [family = '', ...rest] = name.split('=')[0].split('^');
  const given = rest.filter(Boolean).join(' ');
  return given ? `${family}, ${given}` : family;
}

/** The series of the study shown, with a checkbox each (series without images are listed but cannot be chosen). */
function SeriesList({ model, expanded }: { model: PacsPanelModel; expanded: IExpanded }): JSX.Element {
  const { busy, value, error } = expanded.series;
  if (busy) {
    return <div className="mass-Hint">Asking the PACS for the study's series…</div>;
  }
  if (error) {
    return (
      <div className="mass-Notice" role="alert">
        The series could not be listed: {error}
      </div>
    );
  }
  const series = value ?? [];
  if (series.length === 0) {
    return <div className="mass-Hint">The PACS lists no series in this study.</div>;
  }
  const images = series.filter(found => found.images).length;
  return (
    <div className="mass-PacsSeries">
      <div className="mass-PacsSeries-head">
        <span className="mass-Field-label">
          {plural(series.length, 'series', 'series')} · {expanded.chosen.size} chosen
        </span>
        {images > 1 && (
          <button className="mass-TextButton" onClick={() => model.chooseAll(expanded.chosen.size < images)}>
            {expanded.chosen.size < images ? 'Choose every image series' : 'Choose none'}
          </button>
        )}
      </div>
      <ul className="mass-PacsSeries-list">
        {series.map(found => (
          <SeriesItem
            key={found.series_uid}
            series={found}
            model={model}
            studyUid={expanded.study.study_uid}
            chosen={expanded.chosen.has(found.series_uid)}
          />
        ))}
      </ul>
    </div>
  );
}

/** One series: a checkbox, its number, modality, description, body part and instance count; "Predict…". */
function SeriesItem(props: {
  series: IPacsSeries;
  model: PacsPanelModel;
  studyUid: string;
  chosen: boolean;
}): JSX.Element {
  const { series, model, studyUid, chosen } = props;
  const predicting = model.predictions.isOpen(model.studiesNode, series.series_uid);
  const description = series.description || 'No description';
  const count = series.instances;
  const instances = count === null || count === undefined ? null : plural(count, 'instance');
  const meta = [series.body_part, instances].filter(Boolean).join(' · ');
  return (
    <li className="mass-PacsSeries-item" data-images={series.images} data-predicting={predicting}>
      <div className="mass-PacsSeries-line">
        <label className={`mass-Check${series.images ? '' : ' mass-mod-disabled'}`}>
          <input
            type="checkbox"
            checked={chosen}
            disabled={!series.images}
            aria-label={`Series ${series.series_number ?? ''} ${series.modality ?? ''} ${description}`}
            onChange={event => model.choose(series.series_uid, event.target.checked)}
          />
          <span className="mass-PacsSeries-number">#{series.series_number ?? '—'}</span>
          <span className="mass-PacsModality">{series.modality ?? '?'}</span>
          <span className="mass-PacsSeries-description">{description}</span>
          {meta && <span className="mass-PacsSeries-meta">{meta}</span>}
        </label>
        <PredictButton model={model} studyUid={studyUid} series={series} />
      </div>
      {!series.images && (
        <span className="mass-Field-hint">
          No images to train on (a report, presentation state or similar): it cannot be retrieved.
        </span>
      )}
      {predicting && <SeriesPrediction model={model} />}
    </li>
  );
}

/** One study's row: a click (or Enter) shows its series below it. */
function StudyRow({ model, study, open }: { model: PacsPanelModel; study: IPacsStudy; open: boolean }): JSX.Element {
  const Caret = open ? caretDownIcon : caretRightIcon;
  const toggle = (): void => void model.toggleStudy(study);
  const counts = `${study.series_count ?? '—'} / ${study.instance_count ?? '—'}`;
  return (
    <tr
      className={`mass-PacsStudy${open ? ' mass-mod-open' : ''}`}
      tabIndex={0}
      aria-expanded={open}
      title={open ? 'Hide the series' : 'Show the series of this study'}
      onClick={toggle}
      onKeyDown={event => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          toggle();
        }
      }}
    >
      <td className="mass-PacsStudy-caret">
        <Caret.react tag="span" className="mass-ButtonIcon" />
      </td>
      <td>{study.study_date ?? '—'}</td>
      <td>{personName(study.patient_name)}</td>
      <td className="mass-mod-mono">{study.patient_id ?? '—'}</td>
      <td className="mass-mod-mono">{study.accession_number ?? '—'}</td>
      <td className="mass-PacsStudy-description">{study.description ?? '—'}</td>
      <td>
        {(study.modalities ?? []).map(modality => (
          <span key={modality} className="mass-PacsModality">
            {modality}
          </span>
        ))}
      </td>
      <td className="mass-PacsStudy-counts">{counts}</td>
    </tr>
  );
}

/** The studies found, newest first; the study clicked shows its series in the row below it. */
export function StudyTable({ model, studies }: { model: PacsPanelModel; studies: IPacsStudy[] }): JSX.Element {
  const expanded = model.expanded;
  return (
    <div className="mass-TableScroll mass-PacsStudies">
      <table className="mass-Table">
        <thead>
          <tr>
            <th aria-label="Series shown" />
            <th>Date</th>
            <th>Patient name</th>
            <th>Patient ID</th>
            <th>Accession</th>
            <th>Description</th>
            <th>Modalities</th>
            <th title="Series / instances in the study">Series / instances</th>
          </tr>
        </thead>
        <tbody>
          {studies.map(study => {
            const open = expanded?.study.study_uid === study.study_uid;
            return (
              <React.Fragment key={study.study_uid}>
                <StudyRow model={model} study={study} open={open} />
                {open && expanded && (
                  <tr className="mass-PacsSeriesRow">
                    <td colSpan={8}>
                      <SeriesList model={model} expanded={expanded} />
                    </td>
                  </tr>
                )}
              </React.Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
