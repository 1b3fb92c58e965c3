import { CommandRegistry } from '@lumino/commands';
import React from 'react';

import { CommandIDs } from '../commandIds';
import { plural } from '../data/types';
import { Empty, Hash, OpenButton, Step, StepMeta } from './atoms';
import { ITraceDataset, ITraceItem, ITraceOrigin, ITraceSource } from './client';

/** The hashed series UIDs of an origin, as a list. */
export function seriesOf(origin: ITraceOrigin): string[] {
  const { series } = origin;
  return series === undefined ? [] : Array.isArray(series) ? series : [series];
}

/** Where data came from in the PACS: node, hashed study and series, instances. */
export function OriginView({ origin }: { origin: ITraceOrigin }): JSX.Element {
  const series = seriesOf(origin);
  return (
    <dl className="mass-TraceFacts mass-TraceOrigin">
      {origin.pacs && (
        <>
          <dt>PACS</dt>
          <dd className="mass-TraceNode">{origin.pacs}</dd>
        </>
      )}
      {origin.study && (
        <>
          <dt>Study</dt>
          <dd>
            <Hash value={origin.study} what="hashed Study Instance UID" />
          </dd>
        </>
      )}
      {series.length > 0 && (
        <>
          <dt>{series.length === 1 ? 'Series' : `${series.length} series`}</dt>
          <dd className="mass-TraceHashes">
            {series.map(uid => (
              <Hash key={uid} value={uid} what="hashed Series Instance UID" />
            ))}
          </dd>
        </>
      )}
      {origin.instances !== undefined && (
        <>
          <dt>Instances</dt>
          <dd>{origin.instances.toLocaleString()}</dd>
        </>
      )}
    </dl>
  );
}

/** What an import is called: the PACS it came from, the file or sample, or the dataset it was cleaned from. */
function sourceTitle(source: ITraceSource): string {
  if (source.action === 'dataset.clean') {
    return source.derived_from !== null && source.derived_from !== undefined
      ? `cleaned from dataset ${source.derived_from}`
      : 'cleaned';
  }
  if (source.origin?.pacs) {
    return `retrieved from ${source.origin.pacs}`;
  }
  return source.source ?? (source.action === 'dataset.add' ? 'added' : 'imported');
}

/** The imports the dataset's items came from, oldest first. */
export function SourcesStep(props: { sources: ITraceSource[]; datasetId: number | undefined }): JSX.Element {
  const { sources, datasetId } = props;
  const studies = new Set(sources.map(source => source.origin?.study).filter(Boolean)).size;
  const label = studies > 0 ? `Source studies · ${plural(studies, 'study', 'studies')}` : 'Sources';
  return (
    <Step kind="sources" label={label} empty={sources.length === 0}>
      {sources.length === 0 ? (
        <Empty>No import is recorded for this data (it came in before imports were audited, or from a file).</Empty>
      ) : (
        <ul className="mass-TraceList">
          {sources.map((source, index) => (
            <li key={index} className="mass-TraceCard mass-TraceSource" data-action={source.action}>
              <div className="mass-TraceCard-head">
                <span className="mass-TraceCard-title">{sourceTitle(source)}</span>
                {source.items !== null && source.items !== undefined && (
                  <span className="mass-TraceCount">{plural(source.items, 'item')}</span>
                )}
                {datasetId !== undefined && source.dataset_id !== datasetId && (
                  <span className="mass-TraceCount">into dataset {source.dataset_id}</span>
                )}
                <StepMeta at={source.at} by={source.by} />
              </div>
              {source.origin && <OriginView origin={source.origin} />}
            </li>
          ))}
        </ul>
      )}
    </Step>
  );
}

/** The dataset the model trained on (and the item the trace started from). */
export function DatasetStep(props: {
  dataset: ITraceDataset | null;
  item: ITraceItem | null;
  commands: CommandRegistry;
}): JSX.Element {
  const { dataset, item, commands } = props;
  if (!dataset) {
    return (
      <Step kind="dataset" label="Dataset" empty>
        <Empty>Not trained on a Mass IDE dataset: this version was registered from a model file.</Empty>
      </Step>
    );
  }
  const datasetId = dataset.id;
  const itemId = item?.id;
  return (
    <Step
      kind="dataset"
      label="Dataset"
      title={
        <>
          <span className="mass-TraceName">{dataset.name}</span>
          {dataset.items !== null && dataset.items !== undefined && (
            <span className="mass-TraceCount">{plural(dataset.items, 'item')}</span>
          )}
        </>
      }
      meta={{ at: dataset.at, by: dataset.by, verb: 'made' }}
      actions={
        datasetId !== undefined && (
          <OpenButton
            label="Open"
            title="Open the dataset's view"
            onClick={() => void commands.execute(CommandIDs.openDataset, { datasetId })}
          />
        )
      }
    >
      {item && (
        <div className="mass-TraceCard mass-TraceItem" data-item-id={item.id}>
          <div className="mass-TraceCard-head">
            <span className="mass-TraceCard-title">
              Item <code>{item.key}</code>
            </span>
            <Hash value={item.sha256} what="SHA-256 of the item's file" />
            {datasetId !== undefined && itemId !== undefined && (
              <OpenButton
                label="Annotate"
                title="Open this item in the annotation view"
                onClick={() => void commands.execute(CommandIDs.annotate, { datasetId, itemId })}
              />
            )}
          </div>
          <p className="mass-TraceNote">
            {item.in_versions && item.in_versions.length > 0
              ? `In frozen version${item.in_versions.length === 1 ? '' : 's'} ${item.in_versions.join(', ')}`
              : 'In no frozen version yet: no run has trained on it.'}
          </p>
        </div>
      )}
    </Step>
  );
}
