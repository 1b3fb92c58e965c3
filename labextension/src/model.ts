import { IProject, IProjectDetail, ITemplate, requestAPI, Schemas } from './api';
import { PolledModel } from './shared/polledModel';

/** How often the project list refreshes while the page is visible. */
const REFRESH_INTERVAL_MS = 10_000;

/**
 * The workspace's projects and the project templates.
 *
 * A poll keeps the project list fresh (see `PolledModel`). Every change to
 * this UI calls `refresh()` at once rather than waiting for the next tick.
 */
export class ProjectsModel extends PolledModel {
  constructor() {
    super({ name: 'mass-ide:projects', interval: REFRESH_INTERVAL_MS });
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

  /** Fetch the templates once; later calls answer from memory. */
  async loadTemplates(): Promise<readonly ITemplate[]> {
    if (this._templates.length === 0) {
      const body = await requestAPI<Schemas['TemplateList']>('templates');
      this._templates = body.templates;
      this.emitChanged();
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

  /** Fetch the project list; an answer older than a later request is dropped. */
  protected async fetch(): Promise<void> {
    const request = ++this._requests;
    try {
      const body = await requestAPI<Schemas['ProjectList']>('projects');
      if (request === this._requests) {
        this._projects = body.projects;
      }
    } finally {
      this._loaded = true;
    }
  }

  private _loaded = false;
  private _projects: IProject[] = [];
  private _requests = 0;
  private _templates: ITemplate[] = [];
}
