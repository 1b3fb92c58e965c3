/**
 * The PACS panel of a project: pick a node and test it, search its studies, choose series and retrieve them, or
 * predict on them with a deployed model (one series, or a worklist in a batch).
 */
import { UseSignal } from '@jupyterlab/apputils';
import { CommandRegistry } from '@lumino/commands';
import React from 'react';

import { DeidentificationOptions } from '../data/deidentificationOptions';
import { plural } from '../data/types';
import { ProjectsModel } from '../model';
import { ModelPanel } from '../panels';
import { BatchList, BatchSection } from './batches';
import { IPacsNode } from './client';
import { NodeOptions } from './dicomResult';
import { EMPTY_FORM, PacsPanelModel, SEARCH_LIMIT, SearchForm } from './panelModel';
import { RetrievalList } from './retrievalList';
import { StudyTable } from './studyTable';

/** Modalities offered while typing one (any other can be typed). */
const MODALITIES = ['CT', 'MR', 'PT', 'NM', 'US', 'CR', 'DX', 'MG', 'XA', 'RF'];

/** The note under the results: where the patient details come from and where they go. */
export const PATIENT_NOTE =
  'Patient details come from the PACS for this search and are not stored; the retrieved dataset is de-identified.';

/** What the panel needs from the outside. */
export interface IPacsPanelOptions {
  model: PacsPanelModel;
  projects: ProjectsModel;
  commands: CommandRegistry;
}

/** How a node is reached: "DICOMweb · https://…" or "DIMSE · PACS at 10.1.2.3:104". */
export function nodeAddress(node: IPacsNode): string {
  const address =
    node.protocol === 'dicomweb'
      ? `DICOMweb · ${node.dicomweb_url ?? ''}`
      : `DIMSE · ${node.ae_title ?? ''} at ${node.host ?? ''}:${node.port ?? ''}`;
  return node.authenticated ? `${address} · with login` : address;
}

/** No node configured: how to configure one, instead of a form that could find nothing. */
function NoNodes(): JSX.Element {
  return (
    <div className="mass-Callout mass-PacsSetup">
      <div>
        <strong>No PACS is configured on this server.</strong> Add the hospital's nodes to the setting{' '}
        <code>c.MassIDEApp.pacs_nodes</code> in the server's <code>jupyter_server_config.py</code>, then restart
        the server:
      </div>
      <pre className="mass-PacsSetup-code">{`c.MassIDEApp.pacs_nodes = [
    {"name": "pacs", "dicomweb_url": "https://pacs.hospital.example/dicom-web",
     "username": "mass-ide", "password": "…", "timeout": 10},
    {"name": "modality", "ae_title": "PACS", "host": "10.1.2.3", "port": 104,
     "calling_ae_title": "MASSIDE"},
]`}</pre>
      <div className="mass-Hint">
        A node has a DICOMweb URL (QIDO-RS and WADO-RS) or a DIMSE AE title, host and port (C-FIND and C-GET);
        logins stay in the setting and are never shown. The README's “Studies from the PACS” says more.
      </div>
    </div>
  );
}

/** The node picker, its "Test connection" button and what each check said. */
function NodeSection({ model, nodes }: { model: PacsPanelModel; nodes: IPacsNode[] }): JSX.Element {
  const node = model.node;
  const { busy, value: check, error } = model.check;
  return (
    <section className="mass-PacsNode">
      <div className="mass-PacsNode-row">
        <label className="mass-Field mass-PacsNode-field">
          <span className="mass-Field-label">PACS node</span>
          <select
            className="jp-mod-styled mass-Field-input"
            value={node?.name ?? ''}
            onChange={event => model.chooseNode(event.target.value)}
          >
            <NodeOptions nodes={nodes} />
          </select>
        </label>
        <button className="jp-mod-styled" disabled={!node || busy} onClick={() => void model.testConnection()}>
          {busy ? 'Testing…' : 'Test connection'}
        </button>
      </div>
      {node && <div className="mass-Field-hint mass-PacsNode-address">{nodeAddress(node)}</div>}
      {error && (
        <div className="mass-Notice" role="alert">
          The connection test could not run: {error}
        </div>
      )}
      {check && (
        <div className="mass-PacsCheck" data-ok={check.ok} role="status">
          <div className="mass-PacsCheck-title">
            {check.ok ? `Connection to ${check.node} succeeded` : `Connection to ${check.node} failed`}
          </div>
          <ul className="mass-PacsCheck-list">
            {check.checks.map(item => (
              <li key={item.protocol} className="mass-PacsCheck-item" data-ok={item.ok}>
                <span className="mass-PacsCheck-mark">{item.ok ? '✓' : '✗'}</span>
                <span className="mass-PacsCheck-protocol">{item.protocol === 'dicomweb' ? 'DICOMweb' : 'DIMSE'}</span>
                <span className="mass-PacsCheck-message">{item.message}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

/** One text field of the search form. */
function SearchField(props: {
  model: PacsPanelModel;
  field: keyof SearchForm;
  label: string;
  type?: 'text' | 'date';
  placeholder?: string;
  list?: string;
}): JSX.Element {
  const { model, field, label, type, placeholder, list } = props;
  return (
    <label className="mass-Field">
      <span className="mass-Field-label">{label}</span>
      <input
        className="jp-mod-styled mass-Field-input"
        type={type ?? 'text'}
        value={model.form[field]}
        placeholder={placeholder}
        list={list}
        onChange={event => model.setForm({ [field]: event.target.value })}
      />
    </label>
  );
}

/** The search form; Enter in any field searches. */
function SearchSection({ model }: { model: PacsPanelModel }): JSX.Element {
  const searching = model.studies.busy;
  const modalities = `mass-pacs-modalities-${model.projectId}`;
  return (
    <form
      className="mass-PacsSearch"
      aria-label="Search the PACS"
      onSubmit={event => {
        event.preventDefault();
        void model.search();
      }}
    >
      <h2 className="mass-SubTitle">Search studies</h2>
      <div className="mass-PacsSearch-fields">
        <SearchField model={model} field="patient_id" label="Patient ID" />
        <SearchField model={model} field="patient_name" label="Patient name" placeholder="e.g. Smith or Smith^John" />
        <SearchField model={model} field="date_from" label="Study date from" type="date" />
        <SearchField model={model} field="date_to" label="Study date to" type="date" />
        <SearchField model={model} field="modality" label="Modality" placeholder="e.g. CT" list={modalities} />
        <SearchField model={model} field="accession_number" label="Accession number" />
        <SearchField model={model} field="description" label="Study description" placeholder="e.g. abdomen" />
      </div>
      <datalist id={modalities}>
        {MODALITIES.map(modality => (
          <option key={modality} value={modality} />
        ))}
      </datalist>
      <div className="mass-PacsSearch-buttons">
        <button type="submit" className="jp-mod-styled jp-mod-accept" disabled={searching}>
          {searching ? 'Searching…' : 'Search'}
        </button>
        <button type="button" className="jp-mod-styled" onClick={() => model.setForm(EMPTY_FORM)}>
          Clear
        </button>
        <span className="mass-Hint">
          Empty fields match everything; a name matches from its start (or use * and ?).
        </span>
      </div>
    </form>
  );
}

/** What the search found, with the note on patient details; a hint before the first search. */
function ResultsSection({ model }: { model: PacsPanelModel }): JSX.Element | null {
  const { value: studies, error } = model.studies;
  if (error) {
    return (
      <div className="mass-Notice" role="alert">
        The search failed: {error}
      </div>
    );
  }
  if (studies === null) {
    return null;
  }
  return (
    <section className="mass-PacsResults">
      <h2 className="mass-SubTitle">
        {studies.length === 0 ? 'No study matches this search' : plural(studies.length, 'study', 'studies')}
        {studies.length >= SEARCH_LIMIT && (
          <span className="mass-Hint"> — the first {SEARCH_LIMIT}: narrow the search</span>
        )}
      </h2>
      {studies.length > 0 && <StudyTable model={model} studies={studies} />}
      <p className="mass-Hint mass-PacsNote">{PATIENT_NOTE}</p>
    </section>
  );
}

/** The dataset name, the de-identification options and the "Retrieve N series into …" button. */
function RetrieveSection({ model, project }: { model: PacsPanelModel; project: string }): JSX.Element | null {
  const expanded = model.expanded;
  if (!expanded?.series.value) {
    return null;
  }
  const count = expanded.chosen.size;
  return (
    <section className="mass-PacsRetrieve">
      <div className="mass-ImportOptions">
        <label className="mass-Field">
          <span className="mass-Field-label">Dataset name (optional)</span>
          <input
            className="jp-mod-styled mass-Field-input"
            value={model.datasetName}
            placeholder="e.g. Abdomen CT venous"
            onChange={event => model.setDatasetName(event.target.value)}
          />
          <span className="mass-Field-hint">The chosen series become one dataset, a volume per series.</span>
        </label>
        <DeidentificationOptions
          options={model.deidentification}
          onChange={options => model.setDeidentification(options)}
        />
      </div>
      <div className="mass-PacsRetrieve-row">
        <button
          className="jp-mod-styled jp-mod-accept"
          disabled={count === 0}
          onClick={() => void model.retrieve()}
        >
          Retrieve {plural(count, 'series', 'series')} into {project}
        </button>
        {count === 0 && <span className="mass-Hint">Choose at least one image series above.</span>}
      </div>
    </section>
  );
}

/** The panel's body. */
function PacsView({ model, projects, commands }: IPacsPanelOptions): JSX.Element {
  const project = projects.project(model.projectId)?.name ?? model.projectId;
  const { value: nodes, error } = model.nodes;
  return (
    <div className="mass-PacsPanel-content">
      <header className="mass-DataHeader">
        <h1 className="mass-DataHeader-title">Studies from the PACS</h1>
        <div className="mass-DataHeader-sub">Search a PACS and retrieve series, de-identified, into {project}</div>
      </header>
      {error && (
        <div className="mass-Notice" role="alert">
          The PACS nodes could not be loaded: {error}{' '}
          <button className="mass-TextButton" onClick={() => void model.loadNodes()}>
            Try again
          </button>
        </div>
      )}
      {nodes === null && !error && <div className="mass-Hint">Loading the PACS nodes…</div>}
      {nodes?.length === 0 && <NoNodes />}
      {nodes && nodes.length > 0 && (
        <>
          <NodeSection model={model} nodes={nodes} />
          <SearchSection model={model} />
          <ResultsSection model={model} />
          <RetrieveSection model={model} project={project} />
          <BatchSection model={model} />
        </>
      )}
      {model.retrievals.error && (
        <div className="mass-Notice" role="alert">
          {model.retrievals.error}
        </div>
      )}
      <RetrievalList model={model} commands={commands} />
      <BatchList model={model} />
    </div>
  );
}

/** The main-area PACS panel of one project (class `mass-PacsPanel`). */
export class PacsPanel extends ModelPanel<PacsPanelModel> {
  constructor(private readonly _options: IPacsPanelOptions) {
    super(_options.model, 'mass-PacsPanel');
  }

  /** The project the series go into. */
  get projectId(): string {
    return this.model.projectId;
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this.model.changed}>
        {() => (
          <UseSignal signal={this._options.projects.changed}>{() => <PacsView {...this._options} />}</UseSignal>
        )}
      </UseSignal>
    );
  }
}
