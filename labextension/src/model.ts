import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { errorMessage, IProject, IProjectDetail, ITemplate, requestAPI } from './api';

/** How often the project list refreshes while visible. */
const REFRESH_INTERVAL_MS = 10_000;

/**
 * The projects and templates of the workspace, kept fresh by a poll that
 * backs off on errors and stands by while the page is hidden.
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

  /** Emitted whenever projects, templates or the error change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get projects(): readonly IProject[] {
    return this._projects;
  }

  get templates(): readonly ITemplate[] {
    return this._templates;
  }

  /** Whether the first answer has arrived. */
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

  /** Fetch the templates (once). */
  async loadTemplates(): Promise<readonly ITemplate[]> {
    if (this._templates.length === 0) {
      const body = await requestAPI<{ templates: ITemplate[] }>('templates');
      this._templates = body.templates;
      this._changed.emit();
    }
    return this._templates;
  }

  /** The template called `name`, if known. */
  template(name: string): ITemplate | undefined {
    return this._templates.find(template => template.name === name);
  }

  /** Fetch the project list now; errors are kept in `error`, not thrown. */
  async refresh(): Promise<void> {
    try {
      await this._fetchProjects();
    } catch {
      // already recorded in this.error and shown by the views
    }
  }

  /** Create a project from a template; throws an APIError with the server's message. */
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
    this._poll.dispose();
    Signal.clearData(this);
  }

  private async _fetchProjects(): Promise<void> {
    try {
      const body = await requestAPI<{ projects: IProject[] }>('projects');
      this._projects = body.projects;
      this._error = null;
    } catch (error) {
      this._error = errorMessage(error);
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
  private _templates: ITemplate[] = [];
}
