import { CommandRegistry } from '@lumino/commands';
import React, { useEffect, useState } from 'react';

import { CommandIDs } from '../commandIds';
import { listDatasets, listVersions } from '../data/client';
import { IDataset, IVersion } from '../data/types';
import { ModelPanel } from '../panels';
import { useSignal } from '../shared/hooks';
import { ClassificationReport, SegmentationReport } from '../shared/report';
import { getVersion } from './client';
import { DeploymentModel } from './deploymentModel';
import { WriteSeg } from './dicomSeg';
import { DicomSegModel } from './dicomSegModel';
import { DeploymentBadge } from './deployments';
import { formatLatency, predictURL } from './format';
import { PredictionView } from './result';
import { Select } from './select';
import { TryForm } from './tryForm';
import { EvaluationItems, EvaluationReport, IDeployment, ILineage, IScored } from './types';

/** What `load` answers: empty until it does (or when it fails), loaded again when `key` changes. */
function useList<T>(load: (() => Promise<T[]>) | null, key: unknown): T[] {
  const [items, setItems] = useState<T[]>([]);
  useEffect(() => {
    let live = true;
    setItems([]);
    load?.().then(
      found => live && setItems(found),
      () => live && setItems([])
    );
    return () => {
      live = false;
    };
  }, [key]);
  return items;
}

/** What was scored, in one sentence: which items and how many of them the model trained on. */
function scoredSentence(scored: IScored): string {
  const trained = scored.training_items_included;
  const seen =
    trained === null
      ? 'whether the model trained on them is not recorded'
      : trained === 0
        ? 'none of them used to train this model'
        : `${trained} of them used to train this model`;
  return `Scored ${scored.items} ${scored.items === 1 ? 'item' : 'items'}: ${scored.which}; ${seen}.`;
}

/** The report of an evaluation, as training shows its own, after what it scored and any warning. */
function EvaluationView({ report }: { report: EvaluationReport }): JSX.Element {
  const population = `labelled items of dataset ${report.dataset_id}, version ${report.dataset_version}`;
  return (
    <>
      {report.scored && <p className="mass-EvaluateScored">{scoredSentence(report.scored)}</p>}
      {report.warning && (
        <ul className="mass-Report-warnings mass-EvaluateWarning" aria-label="Warnings" role="alert">
          <li>{report.warning}</li>
        </ul>
      )}
      {report.kind === 'classification' ? (
        <ClassificationReport report={report} population={population} />
      ) : (
        // An evaluation draws no overlay pictures.
        <SegmentationReport
          report={{ ...report, overlays: report.overlays ?? [] }}
          population={population}
          imageURL={null}
        />
      )}
    </>
  );
}

/** The choices of which items to score. */
const ITEM_CHOICES: readonly (readonly [EvaluationItems, string])[] = [
  ['unseen', 'items the model never trained on'],
  ['all', 'every labelled item (training items too: optimistic)']
];

/** Where the deployed version came from (undefined while asked, null when unknown). */
function useLineage(deployment: IDeployment): ILineage | null | undefined {
  const [lineage, setLineage] = useState<ILineage | null | undefined>(undefined);
  useEffect(() => {
    let live = true;
    getVersion(deployment.model, deployment.version).then(
      found => live && setLineage(found.lineage),
      () => live && setLineage(null)
    );
    return () => {
      live = false;
    };
  }, [deployment.model, deployment.version]);
  return lineage;
}

/** Evaluate: run the deployment over a labelled dataset version and show accuracy, AUC or Dice. */
function Evaluate({ model, deployment }: { model: DeploymentModel; deployment: IDeployment }): JSX.Element {
  const projectId = deployment.project_id;
  const datasets = useList<IDataset>(projectId === undefined ? null : () => listDatasets(projectId), projectId);
  const [datasetId, setDatasetId] = useState<number | null>(null);
  const versions = useList<IVersion>(datasetId === null ? null : () => listVersions(datasetId), datasetId);
  const [version, setVersion] = useState<number | null>(null);
  const [items, setItems] = useState<EvaluationItems>('unseen');
  const lineage = useLineage(deployment);
  // The dataset and version the model was trained on (its validation split is what it never saw), else the
  // newest dataset and its newest version.
  useEffect(() => {
    if (datasetId === null && datasets.length > 0 && lineage !== undefined) {
      const trained = datasets.find(dataset => dataset.id === lineage?.dataset_id);
      setDatasetId((trained ?? datasets[datasets.length - 1]).id);
    }
  }, [datasets, datasetId, lineage]);
  useEffect(() => {
    const trained = datasetId === lineage?.dataset_id ? versions.find(v => v.number === lineage.dataset_version) : null;
    setVersion((trained ?? versions[0])?.number ?? null);
  }, [versions]);
  const failed = model.workError?.work === 'evaluate' ? model.workError.message : null;
  return (
    <section className="mass-RunSection mass-Evaluate">
      <h2 className="mass-RunSection-title">
        Evaluate
        <span className="mass-RunSection-note">
          the labelled items of a frozen dataset version the model never trained on, through this deployment
        </span>
      </h2>
      <div className="mass-Evaluate-form">
        <Select
          label="Dataset"
          className="mass-EvaluateDataset"
          value={datasetId}
          choices={datasets.map(dataset => [dataset.id, dataset.name])}
          empty="no datasets"
          onChange={value => setDatasetId(Number(value))}
        />
        <Select
          label="Dataset version"
          className="mass-EvaluateVersion"
          value={version}
          choices={versions.map(choice => [choice.number, `version ${choice.number}`])}
          empty="no frozen version: freeze one in the dataset view"
          onChange={value => setVersion(value ? Number(value) : null)}
        />
        <Select
          label="Items to score"
          className="mass-EvaluateItems"
          value={items}
          choices={ITEM_CHOICES}
          onChange={value => setItems(value === 'all' ? 'all' : 'unseen')}
        />
        <button
          className="jp-mod-styled jp-mod-accept mass-EvaluateButton"
          disabled={datasetId === null || version === null || model.working !== null || deployment.status !== 'running'}
          onClick={() => datasetId !== null && version !== null && void model.evaluate(datasetId, version, items)}
        >
          {model.working === 'evaluate' ? 'Evaluating…' : 'Evaluate'}
        </button>
        {model.working === 'evaluate' && (
          <span className="mass-Busy" role="status">
            <span className="mass-Spinner" aria-hidden="true" />
            predicting {items === 'all' ? 'every labelled item' : 'the items the model never trained on'}…
          </span>
        )}
      </div>
      {failed && (
        <div className="mass-Message mass-mod-error" role="alert">
          {failed}
        </div>
      )}
      {model.evaluation && (
        <div className="mass-Report">
          <EvaluationView report={model.evaluation} />
        </div>
      )}
    </section>
  );
}

/** How to call the endpoint from code. */
function CurlExample({ deployment }: { deployment: IDeployment }): JSX.Element {
  const url = predictURL(deployment);
  const { inputs } = deployment.signature;
  const body =
    inputs.kind === 'table'
      ? `-H 'Content-Type: application/json' -d '${JSON.stringify({
          records: [Object.fromEntries(inputs.columns.map(column => [column.name, column.min ?? 0]))]
        })}'`
      : `-F file=@${inputs.kind === 'volume' ? 'volume.nii.gz' : 'image.png'}`;
  return (
    <details className="mass-CurlExample">
      <summary>Call it from code</summary>
      <pre>{`curl -X POST '${url}' \\\n  -H "Authorization: token $JUPYTER_TOKEN" \\\n  ${body}`}</pre>
    </details>
  );
}

/** The Trace button of an answer: the prediction's trace, or its model version's when it has no id (a classifier's). */
function TraceLink(props: { commands: CommandRegistry; args: { [key: string]: string | number } }): JSX.Element {
  const ofPrediction = 'prediction' in props.args;
  return (
    <button
      className="jp-mod-styled mass-TraceButton"
      title={
        ofPrediction
          ? 'Which studies trained the model that made this prediction, and where its result went'
          : "The model version's trace: its source studies, dataset, run and predictions"
      }
      onClick={() => void props.commands.execute(CommandIDs.openTrace, props.args)}
    >
      {ofPrediction ? 'Trace this prediction' : 'Trace the model'}
    </button>
  );
}

/** What the Test page shows. */
interface ITestViewProps {
  model: DeploymentModel;
  /** The DICOM SEG of a mask predicted from an uploaded DICOM series. */
  seg: DicomSegModel;
  commands: CommandRegistry;
}

/** The online test page of a deployment: its state, the form built from its signature, the answer, Evaluate. */
function TestView({ model, seg, commands }: ITestViewProps): JSX.Element {
  useSignal(model.changed);
  const [file, setFile] = useState<File | null>(null);
  const deployment = model.deployment;
  if (!deployment) {
    return model.error ? (
      <div className="mass-Message mass-mod-error">
        Cannot show deployment {model.deploymentId}: {model.error}
      </div>
    ) : (
      <div className="mass-Message">Loading deployment {model.deploymentId}…</div>
    );
  }
  const running = deployment.status === 'running';
  const failed = model.workError?.work === 'predict' ? model.workError.message : null;
  const prediction = model.prediction?.predictions[0];
  const outputs = deployment.signature.outputs;
  return (
    <div className="mass-TestPanel-content">
      <header className="mass-RunHeader">
        <div className="mass-RunHeader-heading">
          <h1 className="mass-RunHeader-title">
            Test {deployment.model} <span className="mass-VersionTag">v{deployment.version}</span>
            <DeploymentBadge deployment={deployment} />
          </h1>
          <div className="mass-RunHeader-sub">
            Deployment {deployment.id} · {deployment.runtime} · <code>{deployment.url}</code> · {deployment.requests}{' '}
            request{deployment.requests === 1 ? '' : 's'}
            {deployment.errors ? ` (${deployment.errors} failed)` : ''} · median{' '}
            {formatLatency(deployment.latency_ms_p50)}
          </div>
        </div>
      </header>
      {model.error && <div className="mass-Message mass-mod-error">Cannot refresh this deployment: {model.error}</div>}
      {deployment.status === 'starting' && (
        <div className="mass-Busy" role="status">
          <span className="mass-Spinner" aria-hidden="true" />
          The deployment is starting: its worker is loading the model.
        </div>
      )}
      {(deployment.status === 'failed' || deployment.status === 'stopped') && (
        <div className="mass-Message mass-mod-error">
          This deployment is {deployment.status}
          {deployment.error ? `: ${deployment.error}` : '.'} Deploy the version again from the Models panel.
        </div>
      )}
      <section className="mass-RunSection mass-TryIt">
        <h2 className="mass-RunSection-title">
          Try it
          <span className="mass-RunSection-note">a form built from the model's input signature</span>
        </h2>
        <fieldset className="mass-TryIt-inputs" disabled={!running}>
          <TryForm inputs={deployment.signature.inputs} model={model} onFile={setFile} />
        </fieldset>
        {model.working === 'predict' && (
          <div className="mass-Busy" role="status">
            <span className="mass-Spinner" aria-hidden="true" />
            predicting…
          </div>
        )}
        {failed && (
          <div className="mass-Message mass-mod-error" role="alert">
            {failed}
          </div>
        )}
        {prediction && (
          <TraceLink
            commands={commands}
            args={
              model.prediction?.prediction_id
                ? { deployment: deployment.id, prediction: model.prediction.prediction_id }
                : { model: deployment.model, version: deployment.version }
            }
          />
        )}
        {prediction && (
          <PredictionView
            prediction={prediction}
            deploymentId={deployment.id}
            file={file}
            names={outputs.kind === 'probabilities' ? outputs.names : undefined}
          />
        )}
        <WriteSeg seg={seg} deployment={deployment} answer={model.prediction} file={model.predictedFile} />
        <CurlExample deployment={deployment} />
      </section>
      <Evaluate model={model} deployment={deployment} />
    </div>
  );
}

/** The main-area content of a deployment's test page (class `mass-TestPanel`). */
export class TestPanel extends ModelPanel<DeploymentModel> {
  constructor(
    model: DeploymentModel,
    private readonly _commands: CommandRegistry
  ) {
    super(model, 'mass-TestPanel');
    this.node.dataset.deploymentId = String(model.deploymentId);
    this._seg = new DicomSegModel(model.deploymentId);
  }

  /** The deployment tested. */
  get deploymentId(): number {
    return this.model.deploymentId;
  }

  dispose(): void {
    this._seg.dispose();
    super.dispose();
  }

  render(): JSX.Element {
    return <TestView model={this.model} seg={this._seg} commands={this._commands} />;
  }

  private readonly _seg: DicomSegModel;
}
