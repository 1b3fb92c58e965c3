import { CommandRegistry } from '@lumino/commands';
import React from 'react';

import { CommandIDs } from '../commandIds';
import { plural } from '../data/types';
import { formatDate } from '../format';
import { Empty, Hash, OpenButton, Step, StepMeta } from './atoms';
import { ITraceDeployment, ITraceDicom, ITracePrediction } from './client';
import { OriginView } from './dataSteps';

/** A DICOM result written (SEG or SR) or its sending to a node, with what the node accepted. */
function DicomStep({ step }: { step: ITraceDicom }): JSX.Element {
  if (step.action === 'dicom.result') {
    return (
      <li className="mass-TraceDicom" data-action="result">
        <span className="mass-TraceDicom-what">
          DICOM {step.kind ?? 'result'} written
          {step.object && <Hash value={step.object} what="hashed SOP Instance UID" />}
        </span>
        <StepMeta at={step.at} by={step.by} />
      </li>
    );
  }
  const refused = step.refused ?? [];
  const state = refused.length > 0 ? 'refused' : 'accepted';
  return (
    <li className="mass-TraceDicom" data-action="sent" data-state={state}>
      <span className="mass-TraceDicom-what">
        Sent to <span className="mass-TraceNode">{step.to ?? 'a node'}</span>:{' '}
        {refused.length > 0 ? (
          <span className="mass-TraceRefused">
            refused{step.accepted ? ` (${step.accepted} accepted)` : ''}: {refused.join('; ')}
          </span>
        ) : (
          <span className="mass-TraceAccepted">
            accepted{step.accepted !== null && step.accepted !== undefined ? ` (${step.accepted})` : ''}
          </span>
        )}
      </span>
      <StepMeta at={step.at} by={step.by} />
    </li>
  );
}

/** One prediction: when and by whom, the series it was made on (hashed), its DICOM result and where it went. */
function PredictionCard({ prediction }: { prediction: ITracePrediction }): JSX.Element {
  const requests = prediction.requests ?? 1;
  return (
    <li className="mass-TraceCard mass-TracePrediction" data-prediction-id={prediction.prediction_id ?? undefined}>
      <div className="mass-TraceCard-head">
        <span className="mass-TraceCard-title">
          Prediction {prediction.prediction_id ? <Hash value={prediction.prediction_id} what="prediction id" /> : null}
        </span>
        {requests > 1 && <span className="mass-TraceCount">{plural(requests, 'request')}</span>}
        <StepMeta at={prediction.at} by={prediction.by} />
      </div>
      {prediction.origin ? (
        <OriginView origin={prediction.origin} />
      ) : (
        prediction.input_sha256 && (
          <dl className="mass-TraceFacts">
            <dt>Input</dt>
            <dd>
              <Hash value={prediction.input_sha256} what="SHA-256 of the input" />
            </dd>
          </dl>
        )
      )}
      {prediction.dicom.length > 0 ? (
        <ol className="mass-TraceDicoms" aria-label="DICOM results">
          {prediction.dicom.map((step, index) => (
            <DicomStep key={index} step={step} />
          ))}
        </ol>
      ) : (
        <p className="mass-TraceNote">No DICOM result written for this prediction.</p>
      )}
    </li>
  );
}

/** One deployment with its predictions (the newest first). */
function DeploymentCard(props: { deployment: ITraceDeployment; commands: CommandRegistry }): JSX.Element {
  const { deployment, commands } = props;
  const live = deployment.status === 'running' || deployment.status === 'starting';
  return (
    <li className="mass-TraceCard mass-TraceDeployment" data-deployment-id={deployment.id}>
      <div className="mass-TraceCard-head">
        <span className="mass-TraceCard-title">Deployment {deployment.id}</span>
        <span className="mass-StatusBadge" data-status={deployment.status}>
          {deployment.status}
        </span>
        {deployment.runtime && <span className="mass-TraceCount">{deployment.runtime}</span>}
        <StepMeta at={deployment.at} by={deployment.by} verb="deployed" />
        {deployment.stopped_at && <span className="mass-TraceMeta">stopped {formatDate(deployment.stopped_at, 'time')}</span>}
        {live && (
          <OpenButton
            label="Test"
            title="Open the deployment's test page"
            onClick={() => void commands.execute(CommandIDs.testDeployment, { deploymentId: deployment.id })}
          />
        )}
      </div>
      {deployment.predictions.length > 0 ? (
        <ul className="mass-TraceList mass-TracePredictions" aria-label={`Predictions of deployment ${deployment.id}`}>
          {deployment.predictions.map((prediction, index) => (
            <PredictionCard key={prediction.prediction_id ?? index} prediction={prediction} />
          ))}
        </ul>
      ) : (
        <p className="mass-TraceNote">No prediction yet.</p>
      )}
    </li>
  );
}

/** The deployments of a model version, each with its predictions and their DICOM results. */
export function DeploymentsStep(props: { deployments: ITraceDeployment[]; commands: CommandRegistry }): JSX.Element {
  const { deployments, commands } = props;
  const predictions = deployments.reduce((sum, deployment) => sum + deployment.predictions.length, 0);
  return (
    <Step
      kind="deployments"
      label="Deployments → predictions → DICOM"
      title={
        deployments.length > 0 ? (
          <span className="mass-TraceCount">
            {plural(deployments.length, 'deployment')} · {plural(predictions, 'prediction')}
          </span>
        ) : undefined
      }
      empty={deployments.length === 0}
    >
      {deployments.length === 0 ? (
        <Empty>Not deployed yet: deploy this version from the Models panel to serve predictions.</Empty>
      ) : (
        <ul className="mass-TraceList">
          {deployments.map(deployment => (
            <DeploymentCard key={deployment.id} deployment={deployment} commands={commands} />
          ))}
        </ul>
      )}
    </Step>
  );
}
