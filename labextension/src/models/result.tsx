import React from 'react';

import { Chart, themeColours } from '../training/chart';
import { formatScore, formatShare } from '../training/format';
import { Tile } from '../training/report';
import { MaskView } from './maskView';
import { IClassPrediction, IMaskPrediction, isClassPrediction, Prediction } from './types';

/** A classifier's answer: the predicted class, its uncertainty and the class probabilities as bars. */
function ClassResult({ prediction }: { prediction: IClassPrediction }): JSX.Element {
  const entries = Object.entries(prediction.probabilities);
  const colours = themeColours();
  return (
    <div className="mass-Prediction" data-class={prediction.class}>
      <div className="mass-Tiles">
        <Tile label="Predicted class" value={prediction.class} />
        <Tile
          label="Probability"
          value={formatShare(prediction.probabilities[prediction.class])}
          note="The model's probability of the predicted class"
        />
        <Tile
          label="Uncertainty"
          value={formatScore(prediction.uncertainty)}
          note="Normalised entropy of the probabilities: 0 certain, 1 no idea"
        />
      </div>
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
            x: entries.map(([, value]) => value),
            y: entries.map(([name]) => name),
            marker: { color: entries.map(([name]) => (name === prediction.class ? colours[0] : colours[5])) },
            text: entries.map(([, value]) => formatShare(value)),
            textposition: 'auto',
            hovertemplate: '%{y}: %{x:.1%}<extra></extra>'
          }
        ]}
      />
      <ul className="mass-Probabilities" aria-label="Class probabilities">
        {entries.map(([name, value]) => (
          <li key={name} className="mass-Probability" data-class={name}>
            {name}: {formatShare(value)}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A segmentation model's answer: the mask over the input, voxels per class and uncertainty. */
function MaskResult(props: { prediction: IMaskPrediction; deploymentId: number; file: File | null }): JSX.Element {
  const { prediction } = props;
  return (
    <div className="mass-Prediction mass-mod-mask">
      <div className="mass-Tiles">
        {Object.entries(prediction.voxels).map(([name, count]) => (
          <Tile key={name} label={`${name} voxels`} value={count.toLocaleString()} />
        ))}
        <Tile
          label="Uncertainty"
          value={formatScore(prediction.uncertainty)}
          note="Mean normalised entropy over the voxels: 0 certain, 1 no idea"
        />
      </div>
      <MaskView prediction={prediction} deploymentId={props.deploymentId} file={props.file} />
    </div>
  );
}

/** What the deployment answered for one input. */
export function PredictionView(props: {
  prediction: Prediction;
  deploymentId: number;
  file: File | null;
}): JSX.Element {
  const { prediction } = props;
  return isClassPrediction(prediction) ? (
    <ClassResult prediction={prediction} />
  ) : (
    <MaskResult prediction={prediction} deploymentId={props.deploymentId} file={props.file} />
  );
}
