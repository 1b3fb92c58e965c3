import { CommandRegistry } from '@lumino/commands';
import { refreshIcon } from '@jupyterlab/ui-components';
import React from 'react';

import { ModelPanel } from '../panels';
import { useSignal } from '../shared/hooks';
import { Empty, Step } from './atoms';
import { ITrace, targetKey, targetLabel, TraceTarget } from './client';
import { DatasetStep, SourcesStep } from './dataSteps';
import { ModelChain } from './modelSteps';
import { TraceModel } from './model';

/** What a trace answers, by where it starts. */
const QUESTION: Record<TraceTarget['kind'], string> = {
  prediction: 'Which studies trained the model that made this prediction, and where its result went.',
  version: 'The studies this model version learnt from, and what it has answered since.',
  item: 'Where this item came from, and every model version trained on it.'
};

/** The model versions on the path: one continues the line; several fan out, each with its own line. */
function ModelSteps(props: { trace: ITrace; commands: CommandRegistry }): JSX.Element {
  const { trace, commands } = props;
  const projectId = trace.dataset?.project_id;
  if (trace.models.length === 0) {
    return (
      <Step kind="models" label="Model versions" empty>
        <Empty>No model trained on this item yet: freeze a dataset version holding it and train a run.</Empty>
      </Step>
    );
  }
  if (trace.models.length === 1) {
    return <ModelChain link={trace.models[0]} projectId={projectId} commands={commands} />;
  }
  return (
    <Step kind="models" label={`Model versions · ${trace.models.length} trained on this data`}>
      <ul className="mass-TraceList mass-TraceFan">
        {trace.models.map(link => (
          <li
            key={`${link.model}-${link.version}`}
            className="mass-TraceCard mass-TraceBranch"
            data-model={link.model}
            data-version={link.version}
          >
            <ol className="mass-Trace">
              <ModelChain link={link} projectId={projectId} commands={commands} />
            </ol>
          </li>
        ))}
      </ul>
    </Step>
  );
}

/** The chain from the source studies to the predictions, top to bottom. */
function TraceView(props: { model: TraceModel; commands: CommandRegistry }): JSX.Element {
  const { model, commands } = props;
  useSignal(model.changed);
  const { trace, target } = model;
  return (
    <div className="mass-TracePanel-content">
      <header className="mass-TraceHeader">
        <div>
          <h1 className="mass-TraceHeader-title">Trace · {targetLabel(target)}</h1>
          <p className="mass-TraceHeader-sub">{QUESTION[target.kind]}</p>
        </div>
        <button
          className="jp-mod-styled mass-TraceRefresh"
          disabled={model.loading}
          title="Load the trace again (new predictions, aliases and results sent)"
          onClick={() => void model.refresh()}
        >
          <refreshIcon.react tag="span" className="mass-ButtonIcon" />
          Refresh
        </button>
      </header>
      {model.error && (
        <div className="mass-Message mass-mod-error" role="alert">
          Cannot show this trace: {model.error}
        </div>
      )}
      {!trace && !model.error && <div className="mass-Message">Loading the trace…</div>}
      {trace && (
        <ol className="mass-Trace" aria-label="From study to prediction">
          <SourcesStep sources={trace.sources} datasetId={trace.dataset?.id} />
          <DatasetStep dataset={trace.dataset} item={trace.item} commands={commands} />
          <ModelSteps trace={trace} commands={commands} />
        </ol>
      )}
    </div>
  );
}

/** The main-area content of a trace (class `mass-TracePanel`, `data-trace` naming its start). */
export class TracePanel extends ModelPanel<TraceModel> {
  constructor(
    model: TraceModel,
    private readonly _commands: CommandRegistry
  ) {
    super(model, 'mass-TracePanel');
    this.node.dataset.trace = targetKey(model.target);
  }

  /** Where the trace starts. */
  get target(): TraceTarget {
    return this.model.target;
  }

  render(): JSX.Element {
    return <TraceView model={this.model} commands={this._commands} />;
  }
}
