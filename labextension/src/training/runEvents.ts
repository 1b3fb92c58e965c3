import { ISignal, Signal } from '@lumino/signaling';

/**
 * Tells every list of runs that a project's runs changed here (a run started,
 * cancelled or resumed, or ended), so that it refreshes at once rather than
 * on its next poll.
 */
class RunEvents {
  /** Emitted with the id of the project whose runs changed. */
  get changed(): ISignal<this, string> {
    return this._changed;
  }

  /** Say that the runs of `projectId` changed. */
  emit(projectId: string | undefined): void {
    if (projectId) {
      this._changed.emit(projectId);
    }
  }

  private _changed = new Signal<this, string>(this);
}

/** The one `RunEvents` of this page. */
export const runEvents = new RunEvents();
