import React from 'react';

import { RunStatus } from './types';

/** What each status says to people. */
const STATUS_TEXT: Record<RunStatus, { label: string; hint: string }> = {
  queued: { label: 'Queued', hint: 'Waits for its device: one run trains at a time on each.' },
  running: { label: 'Running', hint: 'Training now.' },
  cancelling: { label: 'Stopping', hint: 'Stops after its current step.' },
  completed: { label: 'Completed', hint: 'Trained all its epochs and was evaluated.' },
  failed: { label: 'Failed', hint: 'Stopped on an error; resume it once the cause is fixed.' },
  cancelled: { label: 'Cancelled', hint: 'Stopped on request; it can resume from its last checkpoint.' },
  interrupted: {
    label: 'Interrupted',
    hint: 'Its worker stopped (the server restarted or the process was killed); it can resume from its last checkpoint.'
  },
  pruned: { label: 'Pruned', hint: 'Auto-tune stopped this trial early: earlier trials did better at this point.' }
};

/** A run's status as a coloured badge (class `mass-StatusBadge`, `data-status`). */
export function StatusBadge({ status }: { status: RunStatus }): JSX.Element {
  const text = STATUS_TEXT[status] ?? { label: status, hint: '' };
  return (
    <span className="mass-StatusBadge" data-status={status} title={text.hint}>
      {text.label}
    </span>
  );
}
