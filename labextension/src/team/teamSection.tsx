import React, { useEffect, useMemo, useState } from 'react';

import { formatDate } from '../format';
import { useSignal } from '../shared/hooks';
import { ICaller, IMember, Role, ROLES, TeamModel } from './teamModel';

/** What each role may do, in the words of a clinical team. */
const ROLE_SENTENCES: Record<Role, string> = {
  lead: 'You are the lead of this project: you import data, train, deploy and set everyone’s role',
  reviewer: 'You are a reviewer here: you label, change others’ labels, predict and evaluate; the lead imports, trains and deploys',
  annotator: 'You are an annotator here: you can label and paint; a reviewer or the lead changes others’ labels',
  viewer: 'You are a viewer here: you can look at everything but change nothing; ask the lead for a role to label'
};

/** The caller's role in one sentence. */
export function roleSentence(you: ICaller | null): string {
  if (!you) {
    return 'Finding your role…';
  }
  return you.role ? ROLE_SENTENCES[you.role] : 'You have no role in this project: ask its lead for one';
}

/** A role chooser. */
function RoleSelect(props: {
  value: Role;
  label: string;
  disabled: boolean;
  onChange: (role: Role) => void;
}): JSX.Element {
  return (
    <select
      className="jp-mod-styled mass-Team-role"
      aria-label={props.label}
      value={props.value}
      disabled={props.disabled}
      onChange={event => props.onChange(event.target.value as Role)}
    >
      {ROLES.map(role => (
        <option key={role} value={role}>
          {role}
        </option>
      ))}
    </select>
  );
}

/** One member: their name, their role (a chooser and Remove for a lead) and who set it when. */
function MemberRow({ member, model }: { member: IMember; model: TeamModel }): JSX.Element {
  const isYou = member.user === model.you?.user;
  return (
    <li
      className="mass-Team-member"
      data-user={member.user}
      title={`${member.role} since ${formatDate(member.updated_at)}, set by ${member.updated_by}`}
    >
      <span className="mass-Team-user">
        {member.user}
        {isYou && <span className="mass-Team-you"> (you)</span>}
      </span>
      {model.canManage ? (
        <>
          <RoleSelect
            value={member.role}
            label={`Role of ${member.user}`}
            disabled={model.busy}
            onChange={role => void model.setRole(member.user, role)}
          />
          <button
            className="jp-mod-styled mass-Team-remove"
            aria-label={`Remove ${member.user}`}
            disabled={model.busy}
            onClick={() => void model.remove(member.user)}
          >
            Remove
          </button>
        </>
      ) : (
        <span className="mass-Team-roleName" data-role={member.role}>
          {member.role}
        </span>
      )}
    </li>
  );
}

/** The lead's form to give a user (their JupyterHub name) a role. */
function AddMember({ model }: { model: TeamModel }): JSX.Element {
  const [user, setUser] = useState('');
  const [role, setRole] = useState<Role>('annotator');
  const add = async (): Promise<void> => {
    if (await model.setRole(user.trim(), role)) {
      setUser('');
    }
  };
  return (
    <form
      className="mass-Team-add"
      onSubmit={event => {
        event.preventDefault();
        void add();
      }}
    >
      <input
        className="jp-mod-styled mass-Team-name"
        aria-label="User name"
        placeholder="User name, as JupyterHub knows it"
        value={user}
        onChange={event => {
          setUser(event.target.value);
          model.clearError();
        }}
      />
      <RoleSelect value={role} label="Role of the new member" disabled={model.busy} onChange={setRole} />
      <button type="submit" className="jp-mod-styled jp-mod-accept" disabled={model.busy || !user.trim()}>
        Add
      </button>
    </form>
  );
}

/** The project's team, folded under one line that says the caller's role. */
export function TeamSection({ projectId }: { projectId: string }): JSX.Element {
  const model = useMemo(() => new TeamModel(projectId), [projectId]);
  useSignal(model.changed);
  useEffect(() => void model.load(), [model]);
  const count = model.members.length;
  return (
    <details className="mass-Section mass-Team" data-section="team">
      <summary className="mass-Team-summary">
        <span className="mass-Team-title">Team</span>
        <span className="mass-Team-yourRole">{roleSentence(model.you)}</span>
        <span className="mass-Section-count" title={`${count} member${count === 1 ? '' : 's'} with a role set`}>
          {count}
        </span>
      </summary>
      <div className="mass-Team-body">
        {model.error && (
          <div className="mass-Message mass-mod-error mass-Team-error" role="alert">
            {model.error}
          </div>
        )}
        <ul className="mass-Team-members" aria-label="Members">
          {model.members.map(member => (
            <MemberRow key={member.user} member={member} model={model} />
          ))}
        </ul>
        {model.canManage && <AddMember model={model} />}
      </div>
    </details>
  );
}
