import React, { useCallback, useState } from 'react';

import { errorMessage } from '../api';

/** What `useAction` knows about the last action a button started. */
export interface IActionState<K extends string> {
  /** The action running now, or null. */
  busy: K | null;
  /** The last action's error, or null. */
  error: string | null;
  /** What the last action says it did, or null. */
  notice: string | null;
  /**
   * Run `action` as `what`: clear the last outcome, keep `busy` while it
   * runs, then keep its error, or the notice it returns.
   */
  run: (what: K, action: () => Promise<string | void>) => Promise<void>;
  /** Forget the last outcome (e.g. after an edit). */
  clear: () => void;
}

/** One action at a time from a panel's buttons, with its outcome. */
export function useAction<K extends string>(): IActionState<K> {
  const [busy, setBusy] = useState<K | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const clear = useCallback(() => {
    setError(null);
    setNotice(null);
  }, []);
  const run = useCallback(async (what: K, action: () => Promise<string | void>) => {
    setBusy(what);
    setError(null);
    setNotice(null);
    try {
      setNotice((await action()) || null);
    } catch (reason) {
      setError(errorMessage(reason));
    } finally {
      setBusy(null);
    }
  }, []);
  return { busy, error, notice, run, clear };
}

/** The outcome of the last action: its error, or what it did. */
export function ActionOutcome({ error, notice }: { error: string | null; notice: string | null }): JSX.Element | null {
  if (error) {
    return (
      <div className="mass-Message mass-mod-error" role="alert">
        {error}
      </div>
    );
  }
  if (notice) {
    return (
      <div className="mass-Message" role="status">
        {notice}
      </div>
    );
  }
  return null;
}

/** A button that runs one action of a `useAction` state, saying so while it runs. */
export function ActionButton<K extends string>(props: {
  state: IActionState<K>;
  what: K;
  label: string;
  busyLabel: string;
  onRun: () => Promise<string | void>;
  accept?: boolean;
  disabled?: boolean;
  title?: string;
}): JSX.Element {
  const { state, what, label, busyLabel, onRun, accept, disabled, title } = props;
  return (
    <button
      className={`jp-mod-styled${accept ? ' jp-mod-accept' : ''}`}
      disabled={state.busy !== null || disabled}
      title={title}
      onClick={() => void state.run(what, onRun)}
    >
      {state.busy === what ? busyLabel : label}
    </button>
  );
}
