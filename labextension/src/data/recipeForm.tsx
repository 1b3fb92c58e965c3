import React from 'react';

import { IOperation, IParamSchema, IRecipeStep, JSONValue } from './types';

/*
 * A small form for one recipe step, built from its operation's JSON schema:
 * strings, numbers, enums, fixed-length lists of numbers, and column names
 * (a `column` string or a `columns` list offers the dataset's columns).
 */

/** The schema's main type. */
function typeOf(schema: IParamSchema): string | undefined {
  return Array.isArray(schema.type) ? schema.type.find(type => type !== 'null') : schema.type;
}

/** "chars" → "Chars", "drop_rows" → "Drop rows". */
export function humanize(name: string): string {
  const words = name.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The parameters of an operation's step (every property but `op`). */
export function stepParams(operation: IOperation): [string, IParamSchema][] {
  return Object.entries(operation.params.properties ?? {}).filter(([name]) => name !== 'op');
}

/** A new step of an operation, with its defaults (and the first choice of a required list). */
export function newStep(operation: IOperation): IRecipeStep {
  const step: IRecipeStep = { op: operation.op };
  const required = operation.params.required ?? [];
  for (const [name, schema] of stepParams(operation)) {
    if (schema.default !== undefined) {
      step[name] = schema.default;
    } else if (required.includes(name) && schema.enum && schema.enum.length > 0) {
      step[name] = schema.enum[0];
    }
  }
  return step;
}

interface IFieldProps {
  name: string;
  schema: IParamSchema;
  value: JSONValue | undefined;
  required: boolean;
  columns: readonly string[];
  onChange: (value: JSONValue | undefined) => void;
}

/** A number from an input, or undefined when blank or not a number. */
function parseNumber(text: string, integer: boolean): number | undefined {
  if (text.trim() === '') {
    return undefined;
  }
  const number = Number(text);
  if (Number.isNaN(number)) {
    return undefined;
  }
  return integer ? Math.round(number) : number;
}

/** Pick any of the dataset's columns (none picked: all). */
function ColumnChecks({ value, columns, onChange, name }: IFieldProps): JSX.Element {
  const chosen = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  return (
    <div className="mass-ColumnChecks" role="group" aria-label={humanize(name)}>
      {columns.map(column => (
        <label key={column} className={`mass-Chip${chosen.includes(column) ? ' mass-mod-on' : ''}`}>
          <input
            type="checkbox"
            checked={chosen.includes(column)}
            onChange={event => {
              const next = event.target.checked
                ? columns.filter(c => c === column || chosen.includes(c))
                : chosen.filter(c => c !== column);
              onChange(next.length > 0 ? next : undefined);
            }}
          />
          {column}
        </label>
      ))}
    </div>
  );
}

/** One parameter's input, chosen by its schema. */
function ParamInput(props: IFieldProps): JSX.Element {
  const { name, schema, value, required, columns, onChange } = props;
  const type = typeOf(schema);
  const label = humanize(name);
  if (schema.enum) {
    const options = schema.enum.map(option => String(option));
    return (
      <select
        className="jp-mod-styled mass-Param-input"
        aria-label={label}
        value={value === undefined ? '' : String(value)}
        onChange={event => {
          const picked = schema.enum?.[options.indexOf(event.target.value)];
          onChange(picked === undefined ? undefined : picked);
        }}
      >
        {!required && <option value="">—</option>}
        {options.map(option => (
          <option key={option} value={option}>
            {humanize(option)}
          </option>
        ))}
      </select>
    );
  }
  if (type === 'string' && name === 'column' && columns.length > 0) {
    return (
      <select
        className="jp-mod-styled mass-Param-input"
        aria-label={label}
        value={typeof value === 'string' ? value : ''}
        onChange={event => onChange(event.target.value || undefined)}
      >
        <option value="">Choose a column…</option>
        {columns.map(column => (
          <option key={column} value={column}>
            {column}
          </option>
        ))}
      </select>
    );
  }
  if (type === 'array' && typeOf(schema.items ?? {}) === 'string' && columns.length > 0) {
    return <ColumnChecks {...props} />;
  }
  if (type === 'array' && ['number', 'integer'].includes(typeOf(schema.items ?? {}) ?? '')) {
    const length = schema.minItems ?? schema.maxItems ?? 3;
    const list = Array.isArray(value) ? value : [];
    const integer = typeOf(schema.items ?? {}) === 'integer';
    return (
      <span className="mass-Param-numbers">
        {Array.from({ length }, (_, index) => (
          <input
            key={index}
            className="jp-mod-styled mass-Param-input mass-mod-number"
            type="number"
            aria-label={`${label} ${index + 1}`}
            value={typeof list[index] === 'number' ? String(list[index]) : ''}
            onChange={event => {
              const next = Array.from({ length }, (_, at) => (at < list.length ? list[at] : null));
              next[index] = parseNumber(event.target.value, integer) ?? null;
              onChange(next.every(entry => entry === null) ? undefined : next);
            }}
          />
        ))}
      </span>
    );
  }
  if (type === 'array') {
    // A list of words with no columns to offer: comma-separated text.
    const list = Array.isArray(value) ? value.map(String) : [];
    return (
      <input
        className="jp-mod-styled mass-Param-input"
        aria-label={label}
        placeholder="comma-separated"
        defaultValue={list.join(', ')}
        onBlur={event => {
          const words = event.target.value
            .split(',')
            .map(word => word.trim())
            .filter(word => word);
          onChange(words.length > 0 ? words : undefined);
        }}
      />
    );
  }
  if (type === 'number' || type === 'integer') {
    return (
      <input
        className="jp-mod-styled mass-Param-input mass-mod-number"
        type="number"
        aria-label={label}
        step={type === 'integer' ? 1 : 'any'}
        min={schema.minimum}
        max={schema.maximum}
        value={typeof value === 'number' ? String(value) : ''}
        onChange={event => onChange(parseNumber(event.target.value, type === 'integer'))}
      />
    );
  }
  return (
    <input
      className="jp-mod-styled mass-Param-input"
      aria-label={label}
      value={typeof value === 'string' ? value : ''}
      onChange={event => onChange(event.target.value === '' ? undefined : event.target.value)}
    />
  );
}

/** The form of one step: a row per parameter. */
export function StepForm(props: {
  operation: IOperation;
  step: IRecipeStep;
  columns: readonly string[];
  onChange: (step: IRecipeStep) => void;
}): JSX.Element {
  const { operation, step, columns, onChange } = props;
  const params = stepParams(operation);
  const required = operation.params.required ?? [];
  if (params.length === 0) {
    return <div className="mass-Hint">No settings.</div>;
  }
  return (
    <div className="mass-Param-grid">
      {params.map(([name, schema]) => {
        const isColumns = typeOf(schema) === 'array' && typeOf(schema.items ?? {}) === 'string';
        const hint = schema.description ?? (isColumns && columns.length > 0 ? 'none chosen: all columns' : undefined);
        return (
          <React.Fragment key={name}>
            <span className="mass-Param-label">
              {humanize(name)}
              {required.includes(name) && <span className="mass-Param-required"> *</span>}
            </span>
            <span className="mass-Param-field">
              <ParamInput
                name={name}
                schema={schema}
                value={step[name]}
                required={required.includes(name)}
                columns={columns}
                onChange={value => {
                  const next: IRecipeStep = { ...step };
                  if (value === undefined) {
                    delete next[name];
                  } else {
                    next[name] = value;
                  }
                  onChange(next);
                }}
              />
              {hint && <span className="mass-Param-hint">{hint}</span>}
            </span>
          </React.Fragment>
        );
      })}
    </div>
  );
}
