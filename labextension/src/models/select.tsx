import React from 'react';

/** A choice of a select: its value and what people read. */
export type Choice = readonly [value: string | number, text: string];

/**
 * A labelled select in the panels' input style (class `mass-Select`); with no
 * choices it shows `empty` and has no value.
 */
export function Select(props: {
  label: string;
  className?: string;
  title?: string;
  value: string | number | null;
  choices: readonly Choice[];
  empty?: string;
  disabled?: boolean;
  onChange: (value: string) => void;
}): JSX.Element {
  const { choices } = props;
  return (
    <select
      className={`mass-ConfigField-input mass-Select${props.className ? ` ${props.className}` : ''}`}
      aria-label={props.label}
      title={props.title}
      value={props.value ?? ''}
      disabled={props.disabled}
      onChange={event => props.onChange(event.target.value)}
    >
      {choices.length === 0 && <option value="">{props.empty ?? 'none'}</option>}
      {choices.map(([value, text]) => (
        <option key={value} value={value}>
          {text}
        </option>
      ))}
    </select>
  );
}
