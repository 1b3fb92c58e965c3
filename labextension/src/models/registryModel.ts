import { useEffect, useMemo } from 'react';

import { useSignal } from '../shared/hooks';
import { PolledModel } from '../shared/polledModel';
import { ProjectEvents } from '../shared/runEvents';
import { listDeployments, listModels } from './client';
import { IDeployment, IModel } from './types';

/** Says when a project's models or deployments changed here (registered, deployed, aliased…). */
export const registryEvents = new ProjectEvents();

/** How often the lists are fetched while a deployment is starting (and the page visible). */
const BUSY_INTERVAL_MS = 2_000;

/** How often they are fetched otherwise (request counts and latency move on their own). */
const IDLE_INTERVAL_MS = 10_000;

/**
 * A project's registered models and its deployments, kept fresh: every two
 * seconds while a deployment starts, every ten otherwise, and at once when
 * something changes here.
 */
export class ProjectRegistryModel extends PolledModel {
  constructor(readonly projectId: string) {
    super({ name: `mass-ide:registry-${projectId}`, interval: BUSY_INTERVAL_MS });
    registryEvents.changed.connect(this._onEvent, this);
  }

  /** The project's models. */
  get models(): readonly IModel[] {
    return this._models;
  }

  /** The project's deployments, stopped ones included. */
  get deployments(): readonly IDeployment[] {
    return this._deployments;
  }

  /** Whether the first answer (or error) has arrived. */
  get loaded(): boolean {
    return this._loaded;
  }

  /** Fetch now rather than at the next tick. */
  refresh(): Promise<void> {
    this._fetchedAt = 0;
    return this.poll.refresh();
  }

  dispose(): void {
    registryEvents.changed.disconnect(this._onEvent, this);
    super.dispose();
  }

  /** A poll tick: fetch while a deployment starts, or when the lists are old enough. */
  protected async fetch(): Promise<void> {
    const starting = this._deployments.some(deployment => deployment.status === 'starting');
    if (this._loaded && !starting && Date.now() - this._fetchedAt < IDLE_INTERVAL_MS) {
      return;
    }
    try {
      const [models, deployments] = await Promise.all([listModels(this.projectId), listDeployments(this.projectId)]);
      this._models = models;
      this._deployments = deployments;
      this._fetchedAt = Date.now();
    } finally {
      this._loaded = true;
    }
  }

  private _onEvent(_: unknown, projectId: string): void {
    if (projectId === this.projectId) {
      void this.refresh();
    }
  }

  private _deployments: IDeployment[] = [];
  private _fetchedAt = 0;
  private _loaded = false;
  private _models: IModel[] = [];
}

/** A `ProjectRegistryModel` for the life of a component. */
export function useProjectRegistry(projectId: string): ProjectRegistryModel {
  const model = useMemo(() => new ProjectRegistryModel(projectId), [projectId]);
  useEffect(() => () => model.dispose(), [model]);
  useSignal(model.changed);
  return model;
}
