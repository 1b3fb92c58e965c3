import { ISignal, Signal } from '@lumino/signaling';

import { errorMessage, requestAPI, Schemas } from '../api';

/** A member of a project with their role, as `GET projects/{id}/members` lists them. */
export type IMember = Schemas['Member'];

/** A role in a project, from the one who only looks to the one who decides. */
export type Role = IMember['role'];

/** The roles, in the order a chooser offers them. */
export const ROLES: Role[] = ['viewer', 'annotator', 'reviewer', 'lead'];

/** The caller and their role here (null: no role, so no access). */
export type ICaller = Schemas['MemberList']['you'];

/** The members of one project and the caller's role, and the lead's changes to them. */
export class TeamModel {
  constructor(readonly projectId: string) {}

  /** Emitted whenever the members, the caller, the error or `busy` change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The members, leads first (empty until loaded). */
  get members(): IMember[] {
    return this._members;
  }

  /** The caller, once loaded. */
  get you(): ICaller | null {
    return this._you;
  }

  /** Whether the caller may set roles (only a lead does). */
  get canManage(): boolean {
    return this._you?.role === 'lead';
  }

  /** The server's message for the last load or change that failed, or null. */
  get error(): string | null {
    return this._error;
  }

  /** Whether a change is on its way to the server. */
  get busy(): boolean {
    return this._busy;
  }

  /** Fetch the members and the caller's role. */
  async load(): Promise<void> {
    await this._do(async () => {
      const answer = await requestAPI<Schemas['MemberList']>(this._route());
      this._members = answer.members;
      this._you = answer.you;
    });
  }

  /** Give `user` the `role` (adds them when they had none); true when the server agreed. */
  async setRole(user: string, role: Role): Promise<boolean> {
    const body = JSON.stringify({ role } satisfies Schemas['RoleUpdate']);
    return this._change(() => requestAPI(this._route(user), { method: 'PUT', body }));
  }

  /** Take `user`'s role away; true when the server agreed. */
  async remove(user: string): Promise<boolean> {
    return this._change(() => requestAPI(this._route(user), { method: 'DELETE' }));
  }

  /** Forget the last error (the user started another change). */
  clearError(): void {
    if (this._error !== null) {
      this._error = null;
      this._changed.emit();
    }
  }

  /** Send one change, then load the members again (the server sorts them and may refuse). */
  private async _change(send: () => Promise<unknown>): Promise<boolean> {
    const done = await this._do(send);
    if (done) {
      await this.load();
    }
    return done;
  }

  /** Run `step` with `busy` set, keeping its error's message; whether it succeeded. */
  private async _do(step: () => Promise<unknown>): Promise<boolean> {
    this._busy = true;
    this._changed.emit();
    try {
      await step();
      this._error = null;
      return true;
    } catch (reason) {
      this._error = errorMessage(reason);
      return false;
    } finally {
      this._busy = false;
      this._changed.emit();
    }
  }

  /** The route of the members, or of one member. */
  private _route(user?: string): string {
    const base = `projects/${encodeURIComponent(this.projectId)}/members`;
    return user === undefined ? base : `${base}/${encodeURIComponent(user)}`;
  }

  private _members: IMember[] = [];
  private _you: ICaller | null = null;
  private _error: string | null = null;
  private _busy = false;
  private readonly _changed = new Signal<this, void>(this);
}
