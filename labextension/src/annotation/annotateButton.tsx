import { editIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import React from 'react';

import { CommandIDs } from '../commandIds';

/** A dataset's small "Annotate" button: opens its annotation view. */
export function AnnotateButton({ datasetId, commands }: { datasetId: number; commands: CommandRegistry }): JSX.Element {
  return (
    <button
      className="mass-TextButton mass-AnnotateButton"
      title="Label the items of this dataset, or paint their masks"
      data-dataset-id={datasetId}
      onClick={event => {
        event.stopPropagation();
        void commands.execute(CommandIDs.annotate, { datasetId });
      }}
    >
      <editIcon.react tag="span" className="mass-ButtonIcon" />
      Annotate
    </button>
  );
}
