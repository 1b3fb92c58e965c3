/** What a project's PACS panel holds: the node and its check, the search, the studies, the series chosen. */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { errorMessage } from '../api';
import { BASIC_PROFILE, IDeidOptions, plural } from '../data/types';
import { BatchesModel, IWorklist, WorklistKind } from './batchesModel';
import * as client from './client';
import { IConnectionCheck, INewRetrieval, IPacsNode, IPacsSeries, IPacsStudy, IStudySearch } from './client';
import { PredictionModel } from './predictionModel';
import { RetrievalsModel } from './retrievalsModel';

/** The search form's fields, as typed (dates as `YYYY-MM-DD` from `<input type="date">`). */
export type SearchForm = Required<Omit<IStudySearch, 'limit'>>;

/** An empty search form. */
export const EMPTY_FORM: SearchForm = {
  patient_id: '',
  patient_name: '',
  date_from: '',
  date_to: '',
  modality: '',
  accession_number: '',
  description: ''
};

/** The most studies one search lists. */
export const SEARCH_LIMIT = 100;

/** Something asked of the server: not yet, under way, answered, or failed. */
export interface IAsk<T> {
  busy: boolean;
  value: T | null;
  error: string | null;
}

/** Nothing asked yet. */
function idle<T>(): IAsk<T> {
  return { busy: false, value: null, error: null };
}

/** The study shown with its series, and which of them are chosen. */
export interface IExpanded {
  study: IPacsStudy;
  series: IAsk<IPacsSeries[]>;
  chosen: ReadonlySet<string>;
}

/**
 * One project's PACS panel. Patient details live here only while the panel
 * shows them: nothing of a search is written anywhere.
 */
export class PacsPanelModel implements IDisposable {
  constructor(readonly projectId: string) {
    this.retrievals = new RetrievalsModel(projectId);
    this.retrievals.changed.connect(this._emit, this);
    this.predictions = new PredictionModel(projectId);
    this.predictions.changed.connect(this._emit, this);
    this.batches = new BatchesModel(this.predictions);
    this.batches.changed.connect(this._emit, this);
    void this.loadNodes();
  }

  /** The project's retrievals, followed while under way. */
  readonly retrievals: RetrievalsModel;

  /** Predictions on PACS series by the project's running deployments, answered as DICOM SEG or SR. */
  readonly predictions: PredictionModel;

  /** Batches of predictions over a worklist of series, each result sent to a PACS when asked. */
  readonly batches: BatchesModel;

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** The configured nodes (null until loaded). */
  get nodes(): IAsk<IPacsNode[]> {
    return this._nodes;
  }

  /** The node chosen, or null when none is configured. */
  get node(): IPacsNode | null {
    return this._nodes.value?.find(node => node.name === this._node) ?? null;
  }

  /** The last connection test of the chosen node. */
  get check(): IAsk<IConnectionCheck> {
    return this._check;
  }

  get form(): SearchForm {
    return this._form;
  }

  /** The last search's studies; null before the first search. */
  get studies(): IAsk<IPacsStudy[]> {
    return this._studies;
  }

  /** The node the listed studies come from. */
  get studiesNode(): string | null {
    return this._studiesNode;
  }

  /** The study shown with its series, or null. */
  get expanded(): IExpanded | null {
    return this._expanded;
  }

  /** What the next retrieval is called ('' for the server's name) and how it is de-identified. */
  get datasetName(): string {
    return this._datasetName;
  }

  /** A retrieval's label in this panel (from what was retrieved; never patient details). */
  label(retrievalId: string): string | undefined {
    return this._started.get(retrievalId)?.label;
  }

  /** The retrieval started last in this panel, or null. */
  get lastStarted(): string | null {
    return this._lastStarted;
  }

  /** Whether a retrieval started here can be started again (to resume one that failed). */
  canRetry(retrievalId: string): boolean {
    return this._started.has(retrievalId);
  }

  /** Start a retrieval started here again: the instances it fetched before are not fetched again. */
  async retry(retrievalId: string): Promise<void> {
    const started = this._started.get(retrievalId);
    if (started) {
      await this._start(started.request, started.label);
    }
  }

  /** Fetch the configured nodes and choose the first. */
  async loadNodes(): Promise<void> {
    this._nodes = { ...this._nodes, busy: true, error: null };
    this._emit();
    try {
      const nodes = await client.listNodes();
      this._nodes = { busy: false, value: nodes, error: null };
      if (!nodes.some(node => node.name === this._node)) {
        this._node = nodes[0]?.name ?? null;
      }
    } catch (error) {
      this._nodes = { busy: false, value: this._nodes.value, error: errorMessage(error) };
    }
    this._emit();
  }

  /** Choose another node: its connection check and the studies found on the last one are forgotten. */
  chooseNode(name: string): void {
    if (name === this._node) {
      return;
    }
    this._node = name;
    this._check = idle();
    this._studies = idle();
    this._studiesNode = null;
    this._expanded = null;
    this.predictions.close();
    this._emit();
  }

  /** Test the connection to the chosen node. */
  async testConnection(): Promise<void> {
    const node = this._node;
    if (!node) {
      return;
    }
    this._check = { busy: true, value: null, error: null };
    this._emit();
    let answer: IAsk<IConnectionCheck>;
    try {
      answer = { busy: false, value: await client.testConnection(node), error: null };
    } catch (error) {
      answer = { busy: false, value: null, error: errorMessage(error) };
    }
    if (node === this._node) {
      this._check = answer;
      this._emit();
    }
  }

  /** Change fields of the search form. */
  setForm(changes: Partial<SearchForm>): void {
    this._form = { ...this._form, ...changes };
    this._emit();
  }

  /** Search the chosen node by the form; an answer to an older search is dropped. */
  async search(): Promise<void> {
    const node = this._node;
    if (!node) {
      return;
    }
    const request = ++this._searches;
    const filters: IStudySearch = { limit: SEARCH_LIMIT };
    for (const [key, value] of Object.entries(this._form) as [keyof SearchForm, string][]) {
      if (value.trim()) {
        filters[key] = value.trim();
      }
    }
    this._studies = { ...this._studies, busy: true, error: null };
    this._emit();
    let answer: IAsk<IPacsStudy[]>;
    try {
      answer = { busy: false, value: await client.searchStudies(node, filters), error: null };
    } catch (error) {
      answer = { busy: false, value: null, error: errorMessage(error) };
    }
    if (request === this._searches && node === this._node) {
      this._studies = answer;
      this._studiesNode = node;
      this._expanded = null;
      this.predictions.close();
      this._emit();
    }
  }

  /** Show a study's series (or hide them when it is the one shown); the choice starts empty. */
  async toggleStudy(study: IPacsStudy): Promise<void> {
    const node = this._studiesNode;
    this.predictions.close();
    if (!node || this._expanded?.study.study_uid === study.study_uid) {
      this._expanded = null;
      this._emit();
      return;
    }
    const expanded: IExpanded = { study, series: { busy: true, value: null, error: null }, chosen: new Set() };
    this._expanded = expanded;
    this._emit();
    void this.predictions.loadDeployments(); // one deployed since the panel opened can predict on these
    let series: IAsk<IPacsSeries[]>;
    try {
      series = { busy: false, value: await client.searchSeries(node, study.study_uid), error: null };
    } catch (error) {
      series = { busy: false, value: null, error: errorMessage(error) };
    }
    if (this._expanded === expanded) {
      this._expanded = { ...expanded, series };
      this._emit();
    }
  }

  /** Choose a series of the shown study, or leave it out; series without images cannot be chosen. */
  choose(seriesUid: string, chosen: boolean): void {
    const expanded = this._expanded;
    const series = expanded?.series.value?.find(found => found.series_uid === seriesUid);
    if (!expanded || !series?.images) {
      return;
    }
    const next = new Set(expanded.chosen);
    if (chosen) {
      next.add(seriesUid);
    } else {
      next.delete(seriesUid);
    }
    this._expanded = { ...expanded, chosen: next };
    this._emit();
  }

  /** Choose every image series of the shown study, or none. */
  chooseAll(chosen: boolean): void {
    const expanded = this._expanded;
    if (!expanded?.series.value) {
      return;
    }
    const all = expanded.series.value.filter(series => series.images).map(series => series.series_uid);
    this._expanded = { ...expanded, chosen: new Set(chosen ? all : []) };
    this._emit();
  }

  /** The DICOM de-identification options of the next retrieval. */
  get deidentification(): IDeidOptions {
    return this._deid;
  }

  setDeidentification(options: IDeidOptions): void {
    this._deid = options;
    this._emit();
  }

  setDatasetName(name: string): void {
    this._datasetName = name;
    this._emit();
  }

  /** Retrieve the chosen series of the shown study into a new de-identified dataset of the project. */
  async retrieve(): Promise<void> {
    const expanded = this._expanded;
    const node = this._studiesNode;
    if (!expanded || !node || expanded.chosen.size === 0) {
      return;
    }
    const name = this._datasetName.trim();
    const seriesUids = Array.from(expanded.chosen);
    const request: INewRetrieval = {
      node,
      study_uid: expanded.study.study_uid,
      series_uids: seriesUids,
      ...(name ? { name } : {}),
      deidentification: this._deid
    };
    if (await this._start(request, name || retrievalLabel(expanded, seriesUids.length))) {
      this._datasetName = '';
      this._expanded = this._expanded === expanded ? { ...expanded, chosen: new Set() } : this._expanded;
      this._emit();
    }
  }

  /** Start the batch form's worklist with its deployment, sending each result where it says. */
  startBatch(): Promise<void> {
    const kind = this.batches.form;
    return kind ? this.batches.start(() => this._worklist(kind)) : Promise.resolve();
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this.retrievals.dispose();
    this.batches.dispose();
    this.predictions.dispose();
    Signal.clearData(this);
  }

  /** Start a retrieval and remember what it fetches, under `label`; whether it started. */
  private async _start(request: INewRetrieval, label: string): Promise<boolean> {
    const started = await this.retrievals.start(request);
    if (started) {
      this._started.set(started.id, { label, request });
      this._lastStarted = started.id;
    }
    this._emit();
    return started !== null;
  }

  /** The series of a worklist (every image series of the studies found are listed first: a request per study). */
  private async _worklist(kind: WorklistKind): Promise<IWorklist> {
    const node = this._studiesNode;
    const studies = this._studies.value ?? [];
    const found: { studyUid: string; series: IPacsSeries }[] = [];
    let label: string;
    if (kind === 'chosen' && this._expanded) {
      const { study, chosen } = this._expanded;
      const series = (this._expanded.series.value ?? []).filter(item => chosen.has(item.series_uid));
      found.push(...series.map(item => ({ studyUid: study.study_uid, series: item })));
      label = retrievalLabel(this._expanded, series.length);
    } else {
      for (const study of studies) {
        const series = node ? await client.searchSeries(node, study.study_uid) : [];
        found.push(...series.filter(item => item.images).map(item => ({ studyUid: study.study_uid, series: item })));
      }
      label = `Every image series of ${plural(studies.length, 'study', 'studies')}`;
    }
    if (!node || found.length === 0) {
      throw new Error('There is no image series to predict on: choose some, or search again.');
    }
    const sendTo = this.batches.sendTo;
    return {
      request: {
        node,
        series: found.map(item => ({ study_uid: item.studyUid, series_uid: item.series.series_uid })),
        ...(sendTo ? { send_to: sendTo } : {})
      },
      label,
      seriesLabels: new Map(found.map(item => [item.series.series_uid, seriesLabel(item.series)]))
    };
  }

  private _emit(): void {
    if (!this._disposed) {
      this._changed.emit();
    }
  }

  private _changed = new Signal<this, void>(this);
  private _check: IAsk<IConnectionCheck> = idle();
  private _datasetName = '';
  private _deid: IDeidOptions = BASIC_PROFILE;
  private _disposed = false;
  private _expanded: IExpanded | null = null;
  private _form: SearchForm = EMPTY_FORM;
  private _lastStarted: string | null = null;
  private _node: string | null = null;
  private _nodes: IAsk<IPacsNode[]> = { busy: true, value: null, error: null };
  private _searches = 0;
  private _started = new Map<string, { label: string; request: INewRetrieval }>();
  private _studies: IAsk<IPacsStudy[]> = idle();
  private _studiesNode: string | null = null;
}

/** "2 series of CT ABDOMEN (2024-02-29)": what a retrieval fetched, without patient details. */
function retrievalLabel(expanded: IExpanded, count: number): string {
  const { description, study_date: date } = expanded.study;
  const study = [description, date ? `(${date})` : ''].filter(Boolean).join(' ') || 'the study';
  return `${count} series of ${study}`;
}

/** "#2 CT ABDOMEN VENOUS": a series as a batch lists it (no patient details). */
function seriesLabel(series: IPacsSeries): string {
  return [`#${series.series_number ?? '—'}`, series.modality, series.description || 'No description']
    .filter(Boolean)
    .join(' ');
}
