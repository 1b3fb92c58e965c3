import React from 'react';

import { apiURL } from '../api';
import { className, formatScore, formatShare } from '../format';
import { Chart, themeColours, themeVar, translucent } from './chart';
import { IRunResult } from '../training/types';
import { IClassificationReport, ISegmentationReport, PerClass } from './reportTypes';

/** One headline figure. */
export function Tile({ label, value, note }: { label: string; value: string; note?: string }): JSX.Element {
  return (
    <div className="mass-Tile" title={note}>
      <div className="mass-Tile-value">{value}</div>
      <div className="mass-Tile-label">{label}</div>
    </div>
  );
}

/**
 * The confusion matrix as a grid: rows are the true classes, columns the
 * predicted ones; a cell's colour grows with its share of the row.
 */
function ConfusionMatrix({ matrix, classes }: { matrix: number[][]; classes: string[] }): JSX.Element {
  return (
    <table className="mass-Confusion" aria-label="Confusion matrix">
      <thead>
        <tr>
          <th className="mass-Confusion-corner">true ╲ predicted</th>
          {classes.map(name => (
            <th key={name} scope="col">
              {name}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {matrix.map((row, truth) => {
          const total = row.reduce((sum, count) => sum + count, 0);
          return (
            <tr key={truth}>
              <th scope="row">{classes[truth] ?? truth}</th>
              {row.map((count, predicted) => {
                const share = total ? count / total : 0;
                const kind = truth === predicted ? 'hit' : 'miss';
                return (
                  <td
                    key={predicted}
                    className={`mass-Confusion-cell mass-mod-${kind}`}
                    style={{ '--mass-share': `${Math.round(share * 55)}%` } as React.CSSProperties}
                    title={`${count} of ${total} “${classes[truth]}” cases predicted “${classes[predicted]}”`}
                  >
                    <span className="mass-Confusion-count">{count}</span>
                    <span className="mass-Confusion-share">{formatShare(share)}</span>
                  </td>
                );
              })}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** The ROC curve with the chance diagonal and the operating point at the threshold. */
function ROCChart({ report }: { report: IClassificationReport }): JSX.Element | null {
  const curve = report.roc_curve;
  if (!curve || curve.fpr.length === 0) {
    return null;
  }
  const muted = themeVar('--jp-ui-font-color3', '#999');
  const point =
    report.sensitivity !== null && report.specificity !== null
      ? [
          {
            type: 'scatter' as const,
            mode: 'markers' as const,
            name: `threshold ${report.threshold}`,
            x: [1 - report.specificity],
            y: [report.sensitivity],
            marker: { size: 10, symbol: 'circle-open', line: { width: 2 } }
          }
        ]
      : [];
  return (
    <Chart
      name="roc"
      height={300}
      xTitle="false positive rate (1 − specificity)"
      yTitle="true positive rate (sensitivity)"
      xAxis={{ range: [0, 1], constrain: 'domain' }}
      yAxis={{ range: [0, 1.02], scaleanchor: 'x', constrain: 'domain' }}
      layout={{ shapes: [{ type: 'line', x0: 0, y0: 0, x1: 1, y1: 1, line: { color: muted, dash: 'dot', width: 1 } }] }}
      traces={[
        {
          type: 'scatter',
          mode: 'lines',
          name: `ROC (AUC ${formatScore(report.roc_auc)})`,
          x: curve.fpr,
          y: curve.tpr,
          line: { width: 2, shape: 'hv' },
          fill: 'tozeroy',
          fillcolor: translucent(themeColours()[0], 0.15)
        },
        ...point
      ]}
    />
  );
}

/** The report of a classifier: figures at the threshold, confusion matrix, ROC curve. */
export function ClassificationReport({
  report,
  population = 'validation cases'
}: {
  report: IClassificationReport;
  /** What the cases are, e.g. "validation cases". */
  population?: string;
}): JSX.Element {
  const binary = report.sensitivity !== null && report.specificity !== null;
  const names = report.class_names ?? report.classes;
  const positive = report.positive_class
    ? className(report.positive_class, Object.fromEntries(report.classes.map((value, i) => [value, names[i]])))
    : null;
  const at = `at threshold ${report.threshold}${
    positive && positive !== 'positive' ? `, with “${positive}” as the positive class` : ''
  }`;
  return (
    <>
      <div className="mass-Tiles">
        <Tile label="ROC AUC" value={formatScore(report.roc_auc)} note="Area under the ROC curve" />
        <Tile label="Accuracy" value={formatShare(report.accuracy)} />
        <Tile label="Balanced accuracy" value={formatShare(report.balanced_accuracy)} note="Mean recall of the classes" />
        {binary && <Tile label="Sensitivity" value={formatShare(report.sensitivity)} note={`True positive rate ${at}`} />}
        {binary && <Tile label="Specificity" value={formatShare(report.specificity)} note={`True negative rate ${at}`} />}
      </div>
      <p className="mass-Report-note">
        On {report.case_count} {population}
        {binary ? `, ${at}` : ''}.
        {report.skipped?.length ? ` ${report.skipped.length} samples without a label were left out.` : ''}
      </p>
      <div className="mass-Report-figures">
        <figure className="mass-Report-figure">
          <figcaption>Confusion matrix</figcaption>
          <ConfusionMatrix matrix={report.confusion_matrix} classes={names} />
        </figure>
        {report.roc_curve && (
          <figure className="mass-Report-figure mass-mod-roc">
            <figcaption>ROC curve</figcaption>
            <ROCChart report={report} />
          </figure>
        )}
      </div>
    </>
  );
}

/** A per-class figure of a case: a Dice score, or a distance to one decimal. */
function perClass(values: PerClass | undefined, name: string, score: boolean): string {
  const value = values?.[name];
  return score ? formatScore(value) : value === null || value === undefined ? '—' : value.toFixed(1);
}

/** The URL of a picture of a run's report (`GET runs/{id}/report/images/{name}`). */
export function reportImageURL(runId: number, name: string): string {
  return apiURL(`runs/${runId}/report/images/${encodeURIComponent(name)}`);
}

/** The report of a segmentation model: Dice per class, per-case Dice and HD95, overlay pictures. */
export function SegmentationReport(props: {
  report: ISegmentationReport;
  /** What the cases are, e.g. "validation cases". */
  population?: string;
  /** Where a picture of the report is served; null: the pictures are not served (their names are shown). */
  imageURL: ((name: string) => string) | null;
}): JSX.Element {
  const { report, imageURL, population = 'validation cases' } = props;
  const labels = report.classes.slice(1);
  const inMM = report.cases.some(item => item.hd95_mm !== undefined);
  // An evaluation through a deployment measures Dice only.
  const hd95 = report.cases.some(item => (item.hd95_mm ?? item.hd95_voxels) !== undefined) ? labels : [];
  return (
    <>
      <div className="mass-Tiles">
        <Tile label="Mean Dice" value={formatScore(report.mean_dice)} note="Mean over the labels of the per-case Dice" />
        {labels.map(name => (
          <Tile key={name} label={`Dice · ${name}`} value={formatScore(report.dice[name])} />
        ))}
      </div>
      <p className="mass-Report-note">
        On {report.case_count} {population}.
      </p>
      <div className="mass-TableScroll">
        <table className="mass-CaseTable">
          <thead>
            <tr>
              <th>Case</th>
              {labels.map(name => (
                <th key={`dice-${name}`}>Dice · {name}</th>
              ))}
              {hd95.map(name => (
                <th key={`hd-${name}`}>
                  HD95 · {name} ({inMM ? 'mm' : 'voxels'})
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {report.cases.map(item => (
              <tr key={item.key}>
                <td className="mass-CaseTable-key" title={item.key}>
                  {item.key}
                </td>
                {labels.map(name => (
                  <td key={`dice-${name}`}>{perClass(item.dice, name, true)}</td>
                ))}
                {hd95.map(name => (
                  <td key={`hd-${name}`}>{perClass(item.hd95_mm ?? item.hd95_voxels, name, false)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {report.overlays.length > 0 && (
        <div className="mass-Overlays">
          {report.overlays.map(name => {
            const url = imageURL ? imageURL(name) : null;
            return (
              <figure key={name} className="mass-Overlay">
                {url ? <img src={url} alt={`Prediction overlay ${name}`} loading="lazy" /> : null}
                <figcaption title={name}>
                  {url ? name : `${name} (in the ${report.report_folder}/ folder)`}
                </figcaption>
              </figure>
            );
          })}
        </div>
      )}
      {report.overlays.length > 0 && (
        <p className="mass-Report-note">
          Middle axial slice of each case: the prediction filled in colour, the ground truth outlined in white.
        </p>
      )}
    </>
  );
}

/** A completed run's evaluation report, whatever its task. */
export function RunReport(props: { result: IRunResult; runId: number }): JSX.Element {
  const { report } = props.result;
  if (report.kind === 'classification') {
    return <ClassificationReport report={report} />;
  }
  if (report.kind === 'segmentation') {
    return <SegmentationReport report={report} imageURL={name => reportImageURL(props.runId, name)} />;
  }
  return <div className="mass-Message">This run has no evaluation report: no epoch was validated.</div>;
}
