/** The PACS panel's list of retrievals: progress, instances/s and time left, cancel, and the dataset once done. */
import { CommandRegistry } from '@lumino/commands';
import React, { useEffect, useRef } from 'react';

import { CommandIDs } from '../commandIds';
import { ProgressBar } from '../data/charts';
import { AnnotateButton } from '../data/datasetList';
import { plural } from '../data/types';
import { formatDuration } from '../format';
import { IRetrieval, RetrievalState } from './client';
import { PacsPanelModel } from './panelModel';

/** What each state is called in the list. */
const STATE_TITLES: Record<RetrievalState, string> = {
  fetching: 'Fetching',
  importing: 'Importing',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled'
};

/** A message from the server as a sentence: capital first letter, full stop at the end. */
export function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** "3 of 120 instances · 14.2 instances/s · about 8 s left" (the parts known so far). */
export function progressText(retrieval: IRetrieval): string {
  const { instances_done: done, instances_total: total } = retrieval;
  const parts = [`${done.toLocaleString()} of ${plural(total, 'instance')}`];
  if (retrieval.instances_per_second) {
    parts.push(`${retrieval.instances_per_second.toLocaleString()} instances/s`);
  }
  if (retrieval.seconds_left !== null && retrieval.seconds_left !== undefined) {
    parts.push(`about ${formatDuration(retrieval.seconds_left)} left`);
  }
  if (retrieval.instances_resumed) {
    parts.push(`${plural(retrieval.instances_resumed, 'instance')} kept from an earlier try`);
  }
  return parts.join(' · ');
}

/** The progress bar and status line of a retrieval under way. */
function Progress({ retrieval, label }: { retrieval: IRetrieval; label: string }): JSX.Element | null {
  if (retrieval.state === 'fetching') {
    const listing = retrieval.instances_total === 0;
    return (
      <>
        <ProgressBar
          value={retrieval.instances_done}
          max={retrieval.instances_total}
          label={`Fetching ${label}`}
          busy={listing}
        />
        <div className="mass-Import-status">
          {listing ? 'Asking the PACS which instances the series hold…' : progressText(retrieval)}
        </div>
      </>
    );
  }
  if (retrieval.state === 'importing') {
    return (
      <>
        <ProgressBar value={1} max={1} label={`Importing ${label}`} busy />
        <div className="mass-Import-status">
          Fetched {plural(retrieval.instances_total, 'instance')} · de-identifying and converting on the server…
        </div>
      </>
    );
  }
  return null;
}

/** One retrieval: what it fetches, its progress, then its dataset, what was skipped, or why it failed. */
function RetrievalEntry(props: {
  retrieval: IRetrieval;
  model: PacsPanelModel;
  commands: CommandRegistry;
}): JSX.Element {
  const { retrieval, model, commands } = props;
  const series = plural(retrieval.series ?? 0, 'series', 'series');
  const label = model.label(retrieval.id) ?? `Retrieval of ${series}`;
  const datasetId = retrieval.dataset_id;
  const skipped = retrieval.skipped ?? [];
  const kept = retrieval.instances_resumed ?? 0;
  // The retrieval just started here comes into view: it may start below the fold.
  const item = useRef<HTMLLIElement>(null);
  const justStarted = model.lastStarted === retrieval.id;
  useEffect(() => {
    if (justStarted) {
      item.current?.scrollIntoView({ block: 'nearest' });
    }
  }, [justStarted]);
  const resumed = kept > 0 ? ` (${plural(kept, 'instance')} from an earlier try)` : '';
  return (
    <li
      ref={item}
      className="mass-Import-entry mass-PacsRetrieval"
      data-state={retrieval.state}
      data-retrieval-id={retrieval.id}
    >
      <div className="mass-Import-head">
        <span className="mass-Import-source" title={label}>
          {label}
        </span>
        <span className="mass-PacsState" data-state={retrieval.state}>
          {STATE_TITLES[retrieval.state]}
        </span>
        <span className="mass-Import-size">from {retrieval.node}</span>
        <span className="mass-Import-spacer" />
        {retrieval.state === 'fetching' && (
          <button
            className="mass-TextButton"
            title="Stop after the instance being fetched; nothing is imported and what was fetched is deleted"
            onClick={() => void model.retrievals.cancel(retrieval.id)}
          >
            Cancel
          </button>
        )}
        {retrieval.state === 'failed' && model.canRetry(retrieval.id) && (
          <button
            className="jp-mod-styled mass-SmallButton"
            title="Retrieve the same series again: the instances fetched before are not fetched again"
            onClick={() => void model.retry(retrieval.id)}
          >
            Retrieve again
          </button>
        )}
        {retrieval.state === 'done' && datasetId !== null && datasetId !== undefined && (
          <>
            <AnnotateButton datasetId={datasetId} commands={commands} />
            <button
              className="jp-mod-styled jp-mod-accept mass-SmallButton"
              onClick={() => void commands.execute(CommandIDs.openDataset, { datasetId })}
            >
              Open dataset
            </button>
          </>
        )}
      </div>
      <Progress retrieval={retrieval} label={label} />
      {retrieval.state === 'failed' && (
        <div className="mass-Import-error" role="alert">
          {sentence(retrieval.message ?? 'The retrieval failed.')}
        </div>
      )}
      {retrieval.state === 'cancelled' && (
        <div className="mass-Import-status">Cancelled — nothing was imported and what was fetched was deleted.</div>
      )}
      {retrieval.state === 'done' && (
        <div className="mass-Import-done">
          Imported {plural(retrieval.instances_total, 'instance')} as a de-identified dataset{resumed}.
        </div>
      )}
      {skipped.length > 0 && (
        <div className="mass-PacsSkipped">
          <span className="mass-Field-hint">Left out, no images to train on:</span>
          <ul className="mass-PacsSkipped-list">
            {skipped.map(item => (
              <li key={item}>{item}</li>
            ))}
          </ul>
        </div>
      )}
    </li>
  );
}

/** The project's retrievals, newest first; nothing while there are none. */
export function RetrievalList(props: { model: PacsPanelModel; commands: CommandRegistry }): JSX.Element | null {
  const { model, commands } = props;
  const { retrievals } = model.retrievals;
  if (retrievals.length === 0) {
    return null;
  }
  return (
    <section className="mass-PacsRetrievals">
      <h2 className="mass-SubTitle">Retrievals</h2>
      <ul className="mass-Import-entries">
        {retrievals.map(retrieval => (
          <RetrievalEntry key={retrieval.id} retrieval={retrieval} model={model} commands={commands} />
        ))}
      </ul>
    </section>
  );
}
