import { JSONExt, JSONValue } from '@lumino/coreutils';
import React, { useEffect, useState } from 'react';

import { formatConfigValue, getIn, isObject, keyLabel, setIn } from './config';
import { TrainingConfig } from './types';

/** The settings shown first, in this order; every other one goes under "More settings". */
const PRIMARY = ['model', 'epochs', 'batch_size', 'learning_rate', 'loss', 'augmentation', 'validation_split', 'device'];

/** Settings not offered for editing: a project's task is fixed by its template. */
const FIXED = new Set(['task']);

/** The models the training engine builds, by task. */
const MODELS: Record<string, string[]> = {
  'tabular-classification': ['mlp'],
  'image-classification': ['densenet121', 'resnet10', 'resnet18', 'resnet34'],
  segmentation: ['unet', 'segresnet']
};

/** The losses the training engine offers, by task (the first is the default). */
const LOSSES: Record<string, string[]> = {
  'tabular-classification': ['cross_entropy', 'focal'],
  'image-classification': ['cross_entropy', 'focal'],
  segmentation: ['dice_ce', 'dice', 'focal', 'dice_focal']
};

/** The augmentations the training engine knows. */
const AUGMENTATIONS = ['flip', 'rotate', 'rotate90', 'intensity_scale', 'intensity_shift'];

/** Closed choices of string settings, by dotted path. */
const CHOICES: Record<string, string[]> = { device: ['auto', 'cpu', 'cuda'] };

/** Limits of number settings, by dotted path. */
const LIMITS: Record<string, { min?: number; max?: number; integer?: boolean; positive?: boolean }> = {
  epochs: { min: 1, integer: true },
  batch_size: { min: 1, integer: true },
  learning_rate: { positive: true },
  validation_split: { min: 0, max: 0.9 },
  checkpoint_seconds: { min: 0 },
  seed: { integer: true }
};

/** What a setting does, by dotted path. */
const HINTS: Record<string, string> = {
  epochs: 'Passes over the training split.',
  batch_size: 'Samples per training step.',
  learning_rate: "The optimiser's step size.",
  validation_split: 'Share of the cases kept aside for validation.',
  device: 'auto: a CUDA GPU when there is one, else the CPU.',
  augmentation: 'Random changes to the training samples.',
  loss: 'What training minimises; focal losses weigh hard cases more.',
  'model.name': 'The network the engine builds.',
  checkpoint_seconds: 'Least time between two resumable checkpoints (0: after every epoch).'
};

/** What a field needs to draw itself and report changes. */
interface IFieldProps {
  path: string[];
  value: JSONValue;
  defaultValue: JSONValue | undefined;
  task: string;
  onChange: (path: string[], value: JSONValue) => void;
  onInvalid: (path: string, invalid: boolean) => void;
}

/** A field's label, hint and change marker around its input. */
function FieldFrame(props: {
  path: string[];
  value: JSONValue;
  defaultValue: JSONValue | undefined;
  invalid?: string | null;
  children: React.ReactNode;
}): JSX.Element {
  const dotted = props.path.join('.');
  const hint = HINTS[dotted];
  const changed = !JSONExt.deepEqual(props.value, props.defaultValue ?? null);
  return (
    <label
      className={`mass-ConfigField${changed ? ' mass-mod-changed' : ''}${props.invalid ? ' mass-mod-invalid' : ''}`}
      title={changed ? `Project default: ${formatConfigValue(props.defaultValue)}` : undefined}
    >
      <span className="mass-ConfigField-label">{keyLabel(props.path[props.path.length - 1])}</span>
      {props.children}
      {props.invalid ? (
        <span className="mass-ConfigField-hint mass-mod-error">{props.invalid}</span>
      ) : (
        hint && <span className="mass-ConfigField-hint">{hint}</span>
      )}
    </label>
  );
}

/** A parsed field text: its value, or why it is not one. */
type Parsed = { value: JSONValue } | { error: string };

/** Parse a number setting within its limits. */
function parseNumber(dotted: string, text: string): Parsed {
  const value = Number(text.trim());
  const limits = LIMITS[dotted] ?? {};
  if (!text.trim() || !Number.isFinite(value)) {
    return { error: 'Enter a number.' };
  }
  if (limits.integer && !Number.isInteger(value)) {
    return { error: 'Enter a whole number.' };
  }
  if (limits.positive && value <= 0) {
    return { error: 'Enter a number above 0.' };
  }
  if (limits.min !== undefined && value < limits.min) {
    return { error: `Enter ${limits.min} or more.` };
  }
  if (limits.max !== undefined && value > limits.max) {
    return { error: `Enter ${limits.max} or less.` };
  }
  return { value };
}

/** Parse a comma-separated list, of numbers when the setting holds numbers. */
function parseList(numbers: boolean, text: string): Parsed {
  const parts = text
    .split(',')
    .map(part => part.trim())
    .filter(part => part !== '');
  if (!numbers) {
    return { value: parts };
  }
  const values = parts.map(Number);
  return values.every(Number.isFinite) ? { value: values } : { error: 'Enter numbers separated by commas.' };
}

/**
 * A text input whose text may be invalid for a while (say "1e-" while
 * typing): it is parsed on every change, and only a valid value is passed on.
 */
function ParsedInput(
  props: IFieldProps & { parse: (text: string) => Parsed; format: (value: JSONValue) => string; numeric?: boolean }
): JSX.Element {
  const { path, value, onChange, onInvalid, parse, format } = props;
  const dotted = path.join('.');
  const [text, setText] = useState(() => format(value));
  const [invalid, setInvalid] = useState<string | null>(null);

  // Follow the value when it changes from outside (a reset to the defaults).
  useEffect(() => {
    const parsed = parse(text);
    if (!('value' in parsed) || !JSONExt.deepEqual(parsed.value, value)) {
      setText(format(value));
      setInvalid(null);
      onInvalid(dotted, false);
    }
  }, [value]);

  return (
    <FieldFrame
      path={path}
      value={value}
      defaultValue={props.defaultValue}
      invalid={invalid}
    >
      <input
        className="mass-ConfigField-input"
        type="text"
        inputMode={props.numeric ? 'decimal' : undefined}
        aria-invalid={invalid !== null}
        data-path={dotted}
        value={text}
        spellCheck={false}
        onChange={event => {
          const next = event.target.value;
          setText(next);
          const parsed = parse(next);
          const problem = 'error' in parsed ? parsed.error : null;
          setInvalid(problem);
          onInvalid(dotted, problem !== null);
          if ('value' in parsed) {
            onChange(path, parsed.value);
          }
        }}
      />
    </FieldFrame>
  );
}

/** A closed choice of strings; a value outside the list stays offered. */
function ChoiceField(props: IFieldProps & { choices: string[] }): JSX.Element {
  const { path, value, onChange } = props;
  const current = String(value);
  const choices = props.choices.includes(current) ? props.choices : [current, ...props.choices];
  return (
    <FieldFrame
      path={path}
      value={value}
      defaultValue={props.defaultValue}
    >
      <select
        className="mass-ConfigField-input"
        data-path={path.join('.')}
        value={current}
        onChange={event => onChange(path, event.target.value)}
      >
        {choices.map(choice => (
          <option key={choice} value={choice}>
            {choice}
          </option>
        ))}
      </select>
    </FieldFrame>
  );
}

/** A list of names picked from known ones, as toggles. */
function ChipsField(props: IFieldProps & { options: string[] }): JSX.Element {
  const { path, onChange } = props;
  const picked = (props.value as JSONValue[]).map(String);
  const options = [...props.options, ...picked.filter(name => !props.options.includes(name))];
  return (
    <FieldFrame
      path={path}
      value={props.value}
      defaultValue={props.defaultValue}
    >
      <span className="mass-Chips" data-path={path.join('.')}>
        {options.map(name => {
          const on = picked.includes(name);
          return (
            <button
              key={name}
              type="button"
              className={`mass-ToggleChip${on ? ' mass-mod-on' : ''}`}
              aria-pressed={on}
              onClick={() => onChange(path, on ? picked.filter(other => other !== name) : [...picked, name])}
            >
              {name.replace(/_/g, ' ')}
            </button>
          );
        })}
      </span>
    </FieldFrame>
  );
}

/** Whether a list holds only strings, numbers, booleans or nulls. */
function isScalarList(value: JSONValue): value is (string | number | boolean | null)[] {
  return Array.isArray(value) && value.every(item => typeof item !== 'object' || item === null);
}

/** One setting, drawn by the kind of its value; an object is a group of settings. */
function ConfigField(props: IFieldProps): JSX.Element {
  const { path, value, defaultValue, task, onChange } = props;
  const dotted = path.join('.');
  if (isObject(value)) {
    return (
      <fieldset className="mass-ConfigGroup">
        <legend>{keyLabel(path[path.length - 1])}</legend>
        <div className="mass-ConfigGrid">
          {Object.entries(value).map(([key, inner]) =>
            inner === undefined ? null : (
              <ConfigField
                key={key}
                {...props}
                path={[...path, key]}
                value={inner}
                defaultValue={isObject(defaultValue) ? defaultValue[key] : undefined}
              />
            )
          )}
        </div>
      </fieldset>
    );
  }
  if (typeof value === 'boolean') {
    return (
      <FieldFrame path={path} value={value} defaultValue={defaultValue}>
        <input
          type="checkbox"
          className="mass-ConfigField-check"
          data-path={dotted}
          checked={value}
          onChange={event => onChange(path, event.target.checked)}
        />
      </FieldFrame>
    );
  }
  if (typeof value === 'number') {
    return <ParsedInput {...props} numeric parse={text => parseNumber(dotted, text)} format={String} />;
  }
  if (typeof value === 'string') {
    const choices = dotted === 'model.name' ? MODELS[task] : dotted === 'loss' ? LOSSES[task] : CHOICES[dotted];
    if (choices) {
      return <ChoiceField {...props} choices={choices} />;
    }
    return <ParsedInput {...props} parse={text => ({ value: text })} format={String} />;
  }
  if (dotted === 'augmentation' && isScalarList(value)) {
    return <ChipsField {...props} options={AUGMENTATIONS} />;
  }
  if (isScalarList(value)) {
    // An emptied list keeps the kind of its default's items.
    const sample = value.length === 0 && Array.isArray(defaultValue) ? defaultValue : value;
    const numbers = sample.length > 0 && sample.every(item => typeof item === 'number');
    return <ParsedInput {...props} parse={text => parseList(numbers, text)} format={formatConfigValue} />;
  }
  // Anything else (null, lists of objects…) is kept as it is.
  return (
    <FieldFrame path={path} value={value} defaultValue={defaultValue}>
      <code className="mass-ConfigField-fixed" title="Kept as it is; edit it in the project's config.json">
        {formatConfigValue(value)}
      </code>
    </FieldFrame>
  );
}

/** What the form edits. */
export interface IConfigFormProps {
  config: TrainingConfig;
  /** The project's configuration: changed settings are marked against it. */
  defaults: TrainingConfig;
  /** The project's task (it picks the models offered). */
  task: string;
  onChange: (config: TrainingConfig) => void;
  /** Told whenever a setting's text becomes invalid or valid again. */
  onInvalid: (path: string, invalid: boolean) => void;
}

/**
 * A training configuration as a form, generically: numbers, strings, lists
 * and booleans as inputs, objects as groups, anything else kept as it is.
 * The usual settings come first; the others fold under "More settings".
 */
export function ConfigForm({ config, defaults, task, onChange, onInvalid }: IConfigFormProps): JSX.Element {
  const keys = Object.keys(config).filter(key => !FIXED.has(key) && config[key] !== undefined);
  const primary = PRIMARY.filter(key => keys.includes(key));
  const more = keys.filter(key => !PRIMARY.includes(key));
  const field = (key: string): JSX.Element => (
    <ConfigField
      key={key}
      path={[key]}
      value={config[key] as JSONValue}
      defaultValue={getIn(defaults, [key])}
      task={task}
      onChange={(path, value) => onChange(setIn(config, path, value))}
      onInvalid={onInvalid}
    />
  );
  return (
    <div className="mass-ConfigForm">
      <div className="mass-ConfigGrid">{primary.map(field)}</div>
      {more.length > 0 && (
        <details className="mass-ConfigMore">
          <summary>More settings ({more.length})</summary>
          <div className="mass-ConfigGrid">{more.map(field)}</div>
        </details>
      )}
    </div>
  );
}
