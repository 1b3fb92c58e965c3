import { Clipboard } from '@jupyterlab/apputils';
import React, { ReactNode, useEffect, useState } from 'react';

import { formatDate } from '../format';
import { IStepMeta } from './client';

/** A digest or hashed UID, shortened; the whole of it copied on click. */
export function Hash(props: { value: string | null | undefined; length?: number; what: string }): JSX.Element {
  const { value, what } = props;
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) {
      return;
    }
    const timer = window.setTimeout(() => setCopied(false), 1500);
    return () => window.clearTimeout(timer);
  }, [copied]);
  if (!value) {
    return <span className="mass-Trace-none">—</span>;
  }
  return (
    <button
      className="mass-Hash"
      data-hash={value}
      title={`${what}: ${value} (click to copy)`}
      aria-label={`Copy ${what} ${value}`}
      onClick={() => {
        Clipboard.copyToSystem(value);
        setCopied(true);
      }}
    >
      <code>{value.slice(0, props.length ?? 12)}</code>
      {copied && <span className="mass-Hash-copied">copied</span>}
    </button>
  );
}

/** Who did a step and when ("by ana · Nov 29, 2026, 2:05 PM"), nothing when neither is known. */
export function StepMeta({ at, by, verb }: IStepMeta & { verb?: string }): JSX.Element | null {
  if (!at && !by) {
    return null;
  }
  return (
    <span className="mass-TraceMeta">
      {verb ? `${verb} ` : ''}
      {by ? (
        <>
          by <span className="mass-TraceMeta-who">{by}</span>
        </>
      ) : null}
      {by && at ? ' · ' : ''}
      {at ? <time dateTime={at}>{formatDate(at, 'time')}</time> : null}
    </span>
  );
}

/** A button that opens what a step names in its own panel. */
export function OpenButton(props: { label: string; title: string; onClick: () => void }): JSX.Element {
  return (
    <button className="jp-mod-styled mass-TraceOpen" title={props.title} onClick={props.onClick}>
      {props.label}
    </button>
  );
}

/** One step of the chain: a marker on the line, what kind of step, its heading, body and who/when. */
export function Step(props: {
  kind: string;
  label: string;
  title?: ReactNode;
  meta?: IStepMeta & { verb?: string };
  actions?: ReactNode;
  empty?: boolean;
  children?: ReactNode;
}): JSX.Element {
  return (
    <li className="mass-TraceStep" data-step={props.kind} data-empty={props.empty ? 'true' : undefined}>
      <span className="mass-TraceStep-marker" aria-hidden="true" />
      <div className="mass-TraceStep-body">
        <div className="mass-TraceStep-head">
          <span className="mass-TraceStep-kind">{props.label}</span>
          {props.title !== undefined && <span className="mass-TraceStep-title">{props.title}</span>}
          {props.meta && <StepMeta {...props.meta} />}
          {props.actions && <span className="mass-TraceStep-actions">{props.actions}</span>}
        </div>
        {props.children}
      </div>
    </li>
  );
}

/** What a step shows when there is nothing there (yet). */
export function Empty({ children }: { children: ReactNode }): JSX.Element {
  return <p className="mass-TraceEmpty">{children}</p>;
}
