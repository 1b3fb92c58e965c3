import React, { useState } from 'react';

import { DeploymentModel } from './deploymentModel';
import { columnRange } from './format';
import { usePictureURL } from './picture';
import { IColumn, SignatureInputs } from './types';

/** The value of a lab value's field: a number, null when left empty, undefined when not a number. */
function parseValue(text: string): number | null | undefined {
  const trimmed = text.trim().replace(',', '.');
  if (!trimmed) {
    return null;
  }
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

/** The middle of a column's range in the training data, to three significant digits. */
function midRange(column: IColumn): string {
  return column.min === null || column.max === null
    ? ''
    : String(Number(((column.min + column.max) / 2).toPrecision(3)));
}

/** The form of a table model: one field per lab value with its unit; empty fields are sent as missing. */
function LabValuesForm({ columns, model }: { columns: IColumn[]; model: DeploymentModel }): JSX.Element {
  const [values, setValues] = useState<Record<string, string>>({});
  const invalid = columns.filter(column => parseValue(values[column.name] ?? '') === undefined);
  const submit = (): void => {
    const record: Record<string, number | null> = {};
    const units: Record<string, string> = {};
    for (const column of columns) {
      record[column.name] = parseValue(values[column.name] ?? '') ?? null;
      if (column.unit) {
        units[column.name] = column.unit;
      }
    }
    void model.predictRecord(record, units);
  };
  return (
    <form
      className="mass-LabForm"
      onSubmit={event => {
        event.preventDefault();
        if (invalid.length === 0) {
          submit();
        }
      }}
    >
      <div className="mass-LabForm-fields">
        {columns.map(column => {
          const bad = invalid.includes(column);
          const id = `mass-lab-${model.deploymentId}-${column.name}`;
          return (
            <div key={column.name} className={`mass-LabField${bad ? ' mass-mod-invalid' : ''}`}>
              <label htmlFor={id} className="mass-LabField-name">
                {column.name}
              </label>
              <span className="mass-LabField-input">
                <input
                  id={id}
                  className="mass-ConfigField-input mass-Input"
                  data-column={column.name}
                  inputMode="decimal"
                  placeholder={midRange(column)}
                  aria-invalid={bad}
                  value={values[column.name] ?? ''}
                  onChange={event => setValues({ ...values, [column.name]: event.target.value })}
                />
                {column.unit && <span className="mass-LabField-unit">{column.unit}</span>}
              </span>
              <span className="mass-LabField-range" title="Range in the training data">
                {bad ? 'not a number' : columnRange(column)}
              </span>
            </div>
          );
        })}
      </div>
      <div className="mass-LabForm-actions">
        <button
          type="submit"
          className="jp-mod-styled jp-mod-accept mass-PredictButton"
          disabled={model.working !== null || invalid.length > 0}
        >
          {model.working === 'predict' ? 'Predicting…' : 'Predict'}
        </button>
        <button
          type="button"
          className="jp-mod-styled mass-FillTypicalButton"
          title="Fill every field with the middle of its range in the training data"
          onClick={() => setValues(Object.fromEntries(columns.map(column => [column.name, midRange(column)])))}
        >
          Fill mid-range values
        </button>
        <button type="button" className="jp-mod-styled" onClick={() => setValues({})}>
          Clear
        </button>
        <span className="mass-Report-note">Empty fields are sent as missing values.</span>
      </div>
    </form>
  );
}

/** The file types a file input accepts, from the signature's formats. */
function accepted(formats: string[]): string {
  const extensions: Record<string, string[]> = {
    png: ['.png'],
    jpeg: ['.jpg', '.jpeg'],
    tiff: ['.tif', '.tiff'],
    nii: ['.nii'],
    'nii.gz': ['.nii.gz', '.gz'],
    'dicom-zip': ['.zip']
  };
  return formats.flatMap(format => extensions[format] ?? [`.${format}`]).join(',');
}

/** What the input side of the test page works with. */
export interface ITryFormProps {
  /** The model's input signature. */
  inputs: SignatureInputs;
  model: DeploymentModel;
  /** Told of the file chosen for upload (the page draws the answer over it). */
  onFile: (file: File | null) => void;
}

/** The upload of an imaging model: an image, a NIfTI volume or a zip of one DICOM series. */
function FileForm({ inputs, model, onFile }: ITryFormProps): JSX.Element {
  const [file, setFile] = useState<File | null>(null);
  const picture = usePictureURL(file);
  const formats = inputs.kind === 'table' ? [] : inputs.formats;
  const what =
    inputs.kind === 'volume'
      ? 'a NIfTI volume (.nii, .nii.gz) or a zip of one DICOM series'
      : `an image (${formats.join(', ')})`;
  return (
    <form
      className="mass-FileForm"
      onSubmit={event => {
        event.preventDefault();
        if (file) {
          void model.predictFile(file);
        }
      }}
    >
      <label className="mass-FileForm-label">
        Upload {what}
        <input
          type="file"
          className="mass-FileForm-input"
          accept={accepted(formats)}
          onChange={event => {
            const chosen = event.target.files?.[0] ?? null;
            setFile(chosen);
            onFile(chosen);
          }}
        />
      </label>
      {picture && <img className="mass-FileForm-preview" src={picture} alt={`The picture to predict: ${file?.name}`} />}
      <button
        type="submit"
        className="jp-mod-styled jp-mod-accept mass-PredictButton"
        disabled={!file || model.working !== null}
      >
        {model.working === 'predict' ? 'Predicting…' : 'Predict'}
      </button>
    </form>
  );
}

/** The input side of the test page, built from the model's input signature. */
export function TryForm({ inputs, model, onFile }: ITryFormProps): JSX.Element {
  return inputs.kind === 'table' ? (
    <LabValuesForm columns={inputs.columns} model={model} />
  ) : (
    <FileForm inputs={inputs} model={model} onFile={onFile} />
  );
}
