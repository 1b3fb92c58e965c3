import React from 'react';

import { className, formatML, formatScore, formatShare, UNCERTAINTY_HINT } from '../format';
import { Chart, themeColours } from '../shared/chart';
import { Tile } from '../shared/report';
import { MaskView } from './maskView';
import { IClassPrediction, IMaskPrediction, isClassPrediction, Prediction } from './types';

/** A classifier's answer: the predicted class, its uncertainty and the class probabilities as bars. */
function ClassResult(props: { prediction: IClassPrediction; names?: Record<string, string> }): JSX.Element {
  const { prediction, names } = props;
  const entries = Object.entries(prediction.probabilities).map(
    ([value, share]) => [value, className(value, names), share] as const
  );
  const colours = themeColours();
  return (
    <div className="mass-Prediction" data-class={prediction.class}>
      <div className="mass-Tiles">
        <Tile label="Predicted class" value={className(prediction.class, names)} />
        <Tile
          label="Probability"
          value={formatShare(prediction.probabilities[prediction.class])}
          note="The model's probability of the predicted class"
        />
        <Tile label="Uncertainty" value={formatScore(prediction.uncertainty)} note={UNCERTAINTY_HINT} />
      </div>
      <p className="mass-Report-note mass-UncertaintyHint">{UNCERTAINTY_HINT}</p>
      <Chart
        name="probabilities"
        height={60 + 32 * entries.length}
        xTitle="probability"
        xAxis={{ range: [0, 1], tickformat: '.0%' }}
        yAxis={{ type: 'category', autorange: 'reversed' }}
        traces={[
          {
            type: 'bar',
            orientation: 'h',
            x: entries.map(([, , share]) => share),
            y: entries.map(([, name]) => name),
            marker: { color: entries.map(([value]) => (value === prediction.class ? colours[0] : colours[5])) },
            text: entries.map(([, , share]) => formatShare(share)),
            textposition: 'auto',
            hovertemplate: '%{y}: %{x:.1%}<extra></extra>'
          }
        ]}
      />
      <ul className="mass-Probabilities" aria-label="Class probabilities">
        {entries.map(([value, name, share]) => (
          <li key={value} className="mass-Probability" data-class={value}>
            {name}: {formatShare(share)}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A segmentation model's answer: the mask over the input, mL (volumes) and voxels per class, and uncertainty. */
function MaskResult(props: { prediction: IMaskPrediction; deploymentId: number; file: File | null }): JSX.Element {
  const { prediction } = props;
  const unit = prediction.affine ? 'voxels' : 'pixels';
  return (
    <div className="mass-Prediction mass-mod-mask">
      <div className="mass-Tiles">
        {Object.entries(prediction.voxels).map(([name, count]) => {
          const ml = prediction.volume_ml?.[name];
          return ml === undefined ? (
            <Tile key={name} label={`${name} ${unit}`} value={count.toLocaleString()} />
          ) : (
            <Tile
              key={name}
              label={`${name} · ${count.toLocaleString()} ${unit}`}
              value={formatML(ml)}
              note="From the volume's voxel spacing"
            />
          );
        })}
        <Tile label="Uncertainty" value={formatScore(prediction.uncertainty)} note={UNCERTAINTY_HINT} />
      </div>
      <p className="mass-Report-note mass-UncertaintyHint">{UNCERTAINTY_HINT} For a mask: the mean over its voxels.</p>
      <MaskView prediction={prediction} deploymentId={props.deploymentId} file={props.file} />
    </div>
  );
}

/** What the deployment answered for one input. */
export function PredictionView(props: {
  prediction: Prediction;
  deploymentId: number;
  file: File | null;
  /** What each class is called (the signature's `outputs.names`). */
  names?: Record<string, string>;
}): JSX.Element {
  const { prediction } = props;
  return isClassPrediction(prediction) ? (
    <ClassResult prediction={prediction} names={props.names} />
  ) : (
    <MaskResult prediction={prediction} deploymentId={props.deploymentId} file={props.file} />
  );
}
