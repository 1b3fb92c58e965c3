import { JSONExt, JSONObject, JSONValue } from '@lumino/coreutils';

import { TrainingConfig } from './types';

/** Whether a configuration value is a nested object (not an array, not null). */
export function isObject(value: JSONValue | undefined): value is JSONObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at a path of keys, or undefined. */
export function getIn(config: JSONObject, path: readonly string[]): JSONValue | undefined {
  let value: JSONValue | undefined = config;
  for (const key of path) {
    if (!isObject(value)) {
      return undefined;
    }
    value = value[key];
  }
  return value;
}

/** A copy of `config` with `value` at a path of keys (the objects on the way copied). */
export function setIn(config: JSONObject, path: readonly string[], value: JSONValue): JSONObject {
  const [key, ...rest] = path;
  if (rest.length === 0) {
    return { ...config, [key]: value };
  }
  const inner = config[key];
  return { ...config, [key]: setIn(isObject(inner) ? inner : {}, rest, value) };
}

/**
 * The top-level entries of `config` that differ from `defaults`, whole (the
 * server merges overrides one level deep, so a nested object goes in full).
 */
export function overridesOf(config: TrainingConfig, defaults: TrainingConfig): TrainingConfig {
  const overrides: TrainingConfig = {};
  for (const [key, value] of Object.entries(config)) {
    if (value !== undefined && !JSONExt.deepEqual(value, defaults[key] ?? null)) {
      overrides[key] = value;
    }
  }
  return overrides;
}

/** A configuration as dotted paths to values that are not objects: {"model.name": "mlp", ...}. */
export function flatten(config: JSONObject, prefix = ''): Map<string, JSONValue> {
  const flat = new Map<string, JSONValue>();
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) {
      continue;
    }
    const path = prefix ? `${prefix}.${key}` : key;
    if (isObject(value) && Object.keys(value).length > 0) {
      flatten(value, path).forEach((inner, innerPath) => flat.set(innerPath, inner));
    } else {
      flat.set(path, value);
    }
  }
  return flat;
}

/** A configuration value for people: strings bare, lists comma-separated, the rest as JSON. */
export function formatConfigValue(value: JSONValue | undefined): string {
  if (value === undefined) {
    return '—';
  }
  if (typeof value === 'string') {
    return value;
  }
  if (Array.isArray(value) && value.every(item => typeof item !== 'object' || item === null)) {
    return value.map(item => String(item)).join(', ');
  }
  return JSON.stringify(value);
}

/** A configuration key for people: "batch_size" → "Batch size". */
export function keyLabel(key: string): string {
  const words = key.replace(/[_.]+/g, ' ').trim();
  return words ? words[0].toUpperCase() + words.slice(1) : key;
}
