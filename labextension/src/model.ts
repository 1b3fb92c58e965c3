import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { errorMessage, IProject, IProjectDetail, ITemplate, requestAPI, Schemas } from './api';

/** How often the project list refreshes while the page is visible. */
const REFRESH_INTERVAL_MS = 10_000;

/**
 * The workspace's projects and the project templates.
 *
 * A poll keeps the project list fresh: it backs off while the server fails
 * and stands by while the page is hidden. Every change to this UI calls
 * `refresh()` at once rather than waiting for the next tick.
 */
export class ProjectsModel implements IDisposable {
  constructor() {
    this._poll = new Poll({
      factory: () => this._fetchProjects(),
      frequency: { interval: REFRESH_INTERVAL_MS, backoff: true, max: 6 * REFRESH_INTERVAL_MS },
      name: 'mass-ide:projects',
      standby: 'when-hidden'
    });
  }

  /** Emitted whenever the projects, the templates or the error change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The live projects, newest first. */
  get projects(): readonly IProject[] {
    return this._projects;
  }

  /** The project templates, in launcher order (empty until `loadTemplates`). */
  get templates(): readonly ITemplate[] {
    return this._templates;
  }

  /** Whether the first answer (or error) about the projects has arrived. */
  get loaded(): boolean {
    return this._loaded;
  }

  /** The last error talking to the server, or null. */
  get error(): string | null {
    return this._error;
  }

  get isDisposed(): boolean {
    return this._poll.isDisposed;
  }

  /** Fetch the templates once; later calls answer from memory. */
  async loadTemplates(): Promise<readonly ITemplate[]> {
    if (this._templates.length === 0) {
      const body = await requestAPI<Schemas['TemplateList']>('templates');
      this._templates = body.templates;
      this._changed.emit();
    }
    return this._templates;
  }

  /** The template called `name`, if known. */
  template(name: string | undefined): ITemplate | undefined {
    return this._templates.find(template => template.name === name);
  }

  /** The project with this id, if it is in the last fetched list. */
  project(id: string): IProject | undefined {
    return this._projects.find(project => project.id === id);
  }

  /** Fetch the project list now; an error is kept in `error`, not thrown. */
  async refresh(): Promise<void> {
    try {
      await this._fetchProjects();
    } catch {
      // Recorded in `error`, which the sidebar shows.
    }
  }

  /** Create a project from a template; throws an `APIError` with the server's message. */
  async create(name: string, template: string): Promise<IProject> {
    const project = await requestAPI<IProject>('projects', {
      method: 'POST',
      body: JSON.stringify({ name, template })
    });
    await this.refresh();
    return project;
  }

  /** Move a project to the workspace's trash. */
  async remove(id: string): Promise<void> {
    await requestAPI<null>(`projects/${encodeURIComponent(id)}`, { method: 'DELETE' });
    await this.refresh();
  }

  /** One project with its datasets, runs, models and deployments. */
  detail(id: string): Promise<IProjectDetail> {
    return requestAPI<IProjectDetail>(`projects/${encodeURIComponent(id)}`);
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._poll.dispose();
    Signal.clearData(this);
  }

  /** Fetch the project list; an answer older than a later request is dropped. */
  private async _fetchProjects(): Promise<void> {
    const request = ++this._requests;
    try {
      const body = await requestAPI<Schemas['ProjectList']>('projects');
      if (request === this._requests) {
        this._projects = body.projects;
        this._error = null;
      }
    } catch (error) {
      if (request === this._requests) {
        this._error = errorMessage(error);
      }
      throw error;
    } finally {
      this._loaded = true;
      this._changed.emit();
    }
  }

  private _changed = new Signal<this, void>(this);
  private _error: string | null = null;
  private _loaded = false;
  private _poll: Poll;
  private _projects: IProject[] = [];
  private _requests = 0;
  private _templates: ITemplate[] = [];
}
