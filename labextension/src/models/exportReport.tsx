/** The export report of a model version: each exported file, its parity with the torch model, and the verdict. */
import React from 'react';

import { IExportedFile, IExportReport, IParityCase } from './types';

/** A format's tolerance in words: "max abs ≤ 1e-3, Dice ≥ 0.99". */
export function toleranceText(file: IExportedFile): string {
  const tolerance = file.tolerance;
  if (tolerance?.max_abs_diff === undefined) {
    return '';
  }
  const dice = tolerance.dice == null ? '' : `, Dice ≥ ${tolerance.dice}`;
  return `max abs ≤ ${tolerance.max_abs_diff.toExponential(0)}${dice}`;
}

/** What the parity check found for a format or one of its cases, in words: "max abs 2.1e-1, Dice 0.9312". */
export function parityFound(found: IExportedFile | IParityCase): string {
  const diff = typeof found.max_abs_diff === 'number' ? found.max_abs_diff.toExponential(1) : 'not finite';
  return `max abs ${diff}${typeof found.dice === 'number' ? `, Dice ${found.dice.toFixed(4)}` : ''}`;
}

/** A format's verdict: Passed or Failed with its tolerance (nothing when it was not exported). */
function ParityVerdict({ file }: { file: IExportedFile | undefined }): JSX.Element {
  if (!file || file.error || file.passed === null) {
    return <span>—</span>;
  }
  if (file.passed === undefined) {
    return <span title="Exported before parity verdicts: export again to check it">not checked</span>;
  }
  const tolerance = toleranceText(file);
  return (
    <span className="mass-ParityVerdict" title={`Tolerance: ${tolerance}`}>
      <span className="mass-StatusBadge" data-status={file.passed ? 'completed' : 'failed'}>
        {file.passed ? 'Passed' : 'Failed'}
      </span>{' '}
      <span className="mass-ParityVerdict-tolerance">{tolerance}</span>
    </span>
  );
}

/** One exported format's row: file, parity figures and verdict. */
function ExportRow(props: { format: string; file: IExportedFile | undefined; masks: boolean }): JSX.Element {
  const { format, file, masks } = props;
  const diff = file?.max_abs_diff;
  const cases = (file?.cases ?? []).map(found => `${found.name}: ${parityFound(found)}`).join('\n');
  return (
    <tr data-format={format} data-passed={file?.passed === undefined ? undefined : String(file.passed)}>
      <th scope="row">{format}</th>
      <td className="mass-ExportReport-file" title={file?.file}>
        {file?.error ? <span className="mass-mod-error">{file.error}</span> : <code>{file?.file ?? '—'}</code>}
      </td>
      <td className="mass-mod-number mass-ExportReport-diff" title={cases || undefined}>
        {typeof diff === 'number' ? diff.toExponential(2) : '—'}
      </td>
      {masks && (
        <td className="mass-mod-number mass-ExportReport-dice">
          {typeof file?.dice === 'number' ? file.dice.toFixed(4) : '—'}
        </td>
      )}
      <td className="mass-ExportReport-verdict">
        <ParityVerdict file={file} />
      </td>
    </tr>
  );
}

/** The export report: each file, its parity with the torch model on realistic inputs, and the verdict. */
export function ExportReport({ report }: { report: IExportReport }): JSX.Element {
  const masks = typeof report.onnx.dice === 'number' || typeof report.torchscript.dice === 'number';
  const parity = report.parity;
  const inputs =
    parity?.cases && parity.input_shape
      ? `${parity.cases.length} inputs of ${parity.input_shape.join('×')} (${parity.cases.join(', ')})`
      : 'the example input';
  return (
    <section className="mass-RunSection mass-ExportReport">
      <h2 className="mass-RunSection-title">
        Export
        <span className="mass-RunSection-note" title={report.parity?.compared}>
          parity with the torch model's class probabilities{masks ? ' and masks' : ''} on {inputs}
        </span>
      </h2>
      <table className="mass-RunTable mass-KeyTable">
        <thead>
          <tr>
            <th>Format</th>
            <th>File</th>
            <th className="mass-mod-number">Max abs difference</th>
            {masks && <th className="mass-mod-number">Mask Dice</th>}
            <th>Parity</th>
          </tr>
        </thead>
        <tbody>
          <ExportRow format="TorchScript" file={report.torchscript} masks={masks} />
          <ExportRow format="ONNX" file={report.onnx} masks={masks} />
          <tr data-format="bundle">
            <th scope="row">MONAI Bundle</th>
            <td className="mass-ExportReport-file" title={report.bundle}>
              <code>{report.bundle}</code>
            </td>
            <td className="mass-mod-number">—</td>
            {masks && <td className="mass-mod-number">—</td>}
            <td>—</td>
          </tr>
        </tbody>
      </table>
    </section>
  );
}
