import { ISignal, Signal } from '@lumino/signaling';

/**
 * Tells every list of a project's things (runs, models, deployments) that
 * they changed here, so that it refreshes at once rather than on its next poll.
 */
export class ProjectEvents {
  /** Emitted with the id of the project whose things changed. */
  get changed(): ISignal<this, string> {
    return this._changed;
  }

  /** Say that the things of `projectId` changed. */
  emit(projectId: string | undefined): void {
    if (projectId) {
      this._changed.emit(projectId);
    }
  }

  private _changed = new Signal<this, string>(this);
}

/** Says when a project's runs changed (a run started, cancelled or resumed, or ended). */
export const runEvents = new ProjectEvents();
