/** The DICOM de-identification options (PS3.15 Annex E) the next imports use. */
import React from 'react';

import { DeidDates, IDeidOptions } from './types';

/** The two DICOM de-identification options (PS3.15 Annex E) the next imports use, each with what it does. */
export function DeidentificationOptions(props: {
  options: IDeidOptions;
  onChange: (options: IDeidOptions) => void;
}): JSX.Element {
  const { options, onChange } = props;
  return (
    <fieldset className="mass-DeidOptions">
      <legend className="mass-Field-label">DICOM de-identification (PS3.15 Basic Profile) options</legend>
      <label className="mass-Check mass-DeidOptions-option">
        <input
          type="checkbox"
          checked={options.clean_descriptors}
          onChange={event => onChange({ ...options, clean_descriptors: event.target.checked })}
        />
        Keep cleaned descriptions (Clean Descriptors Option)
      </label>
      <div className="mass-Field-hint">
        Descriptions keep only imaging words (“ABDOMEN VENOUS 5mm”); names, wards and notes go.
      </div>
      <label className="mass-Check mass-DeidOptions-option">
        Dates
        <select
          className="jp-mod-styled"
          aria-label="Dates"
          value={options.dates}
          onChange={event => onChange({ ...options, dates: event.target.value as DeidDates })}
        >
          <option value="remove">Remove (Basic Profile)</option>
          <option value="shift">Shift per patient (Modified Dates Option)</option>
        </select>
      </label>
      <div className="mass-Field-hint">
        Shift: a patient's dates move back by one secret number of days, so intervals between studies stay.
      </div>
    </fieldset>
  );
}
