import { caretDownIcon, caretUpIcon, closeIcon } from '@jupyterlab/ui-components';
import React, { useEffect, useState } from 'react';

import { ActionButton, ActionOutcome, useAction } from './action';
import { applyRecipe, getRecipe, previewRecipe, saveRecipe } from './client';
import { useRequest } from './hooks';
import { newStep, StepForm } from './recipeForm';
import { PreviewView } from './recipePreview';
import { IDataset, IOperation, IRecipePreview, IRecipeStep, plural } from './types';

/** One step of the list: its title, its buttons and its form. */
function StepCard(props: {
  index: number;
  count: number;
  step: IRecipeStep;
  operation?: IOperation;
  columns: readonly string[];
  onChange: (step: IRecipeStep) => void;
  onMove: (by: number) => void;
  onRemove: () => void;
}): JSX.Element {
  const { index, count, step, operation, columns, onChange, onMove, onRemove } = props;
  return (
    <li className="mass-Step">
      <div className="mass-Step-head">
        <span className="mass-Step-number">{index + 1}</span>
        <span className="mass-Step-title">{operation?.title ?? step.op}</span>
        <button
          className="mass-IconButton"
          title="Move up"
          aria-label="Move up"
          disabled={index === 0}
          onClick={() => onMove(-1)}
        >
          <caretUpIcon.react tag="span" />
        </button>
        <button
          className="mass-IconButton"
          title="Move down"
          aria-label="Move down"
          disabled={index === count - 1}
          onClick={() => onMove(1)}
        >
          <caretDownIcon.react tag="span" />
        </button>
        <button className="mass-IconButton" title="Remove this step" aria-label="Remove this step" onClick={onRemove}>
          <closeIcon.react tag="span" />
        </button>
      </div>
      {operation ? (
        <StepForm operation={operation} step={step} columns={columns} onChange={onChange} />
      ) : (
        <div className="mass-Hint mass-mod-warn">This server no longer offers “{step.op}”; remove the step.</div>
      )}
    </li>
  );
}

/** What the recipe tab's buttons do. */
type RecipeAction = 'preview' | 'save' | 'apply';

/** The Cleaning recipe tab: edit the steps, preview, save, apply as a new dataset. */
export function RecipeTab(props: { dataset: IDataset; onApplied: (cleaned: IDataset) => void }): JSX.Element {
  const { dataset, onApplied } = props;
  const recipe = useRequest(() => getRecipe(dataset.id), [dataset.id]);
  const [steps, setSteps] = useState<IRecipeStep[]>([]);
  const [saved, setSaved] = useState('[]');
  const [preview, setPreview] = useState<{ of: string; answer: IRecipePreview } | null>(null);
  const action = useAction<RecipeAction>();

  useEffect(() => {
    if (recipe.value) {
      setSteps(recipe.value.steps);
      setSaved(JSON.stringify(recipe.value.steps));
    }
  }, [recipe.value]);

  if (recipe.error) {
    return <div className="mass-Message mass-mod-error">Cannot load the cleaning recipe: {recipe.error}</div>;
  }
  if (!recipe.value) {
    return <div className="mass-Message">Loading the cleaning recipe…</div>;
  }
  const operations = recipe.value.operations;
  const columns = dataset.report.columns ?? [];
  const dirty = JSON.stringify(steps) !== saved;

  const edit = (next: IRecipeStep[]): void => {
    setSteps(next);
    action.clear();
  };
  const save = async (): Promise<void> => {
    await saveRecipe(dataset.id, steps);
    setSaved(JSON.stringify(steps));
  };

  return (
    <div className="mass-RecipeTab">
      <p className="mass-Hint">
        A recipe is a list of steps run in order. It never changes this dataset: <strong>Apply</strong> writes a
        cleaned copy as a new dataset, and the recipe is kept with it so it can be replayed.
      </p>
      {steps.length === 0 ? (
        <div className="mass-Section-empty">
          <strong>No steps yet.</strong> Add one from the menu below.
        </div>
      ) : (
        <ol className="mass-Steps">
          {steps.map((step, index) => (
            <StepCard
              key={index}
              index={index}
              count={steps.length}
              step={step}
              operation={operations.find(operation => operation.op === step.op)}
              columns={columns}
              onChange={changed => edit(steps.map((old, at) => (at === index ? changed : old)))}
              onMove={by => {
                const next = [...steps];
                [next[index], next[index + by]] = [next[index + by], next[index]];
                edit(next);
              }}
              onRemove={() => edit(steps.filter((_, at) => at !== index))}
            />
          ))}
        </ol>
      )}
      <div className="mass-Toolbar">
        <select
          className="jp-mod-styled mass-AddStep"
          aria-label="Add a step"
          value=""
          onChange={event => {
            const operation = operations.find(found => found.op === event.target.value);
            if (operation) {
              edit([...steps, newStep(operation)]);
            }
          }}
        >
          <option value="">Add a step…</option>
          {operations.map(operation => (
            <option key={operation.op} value={operation.op}>
              {operation.title}
            </option>
          ))}
        </select>
        <span className="mass-Toolbar-spacer" />
        {dirty && <span className="mass-Toolbar-note">Unsaved changes</span>}
        <ActionButton
          state={action}
          what="preview"
          label="Preview"
          busyLabel="Previewing…"
          onRun={async () => setPreview({ of: JSON.stringify(steps), answer: await previewRecipe(dataset.id, steps) })}
        />
        <ActionButton
          state={action}
          what="save"
          label="Save"
          busyLabel="Saving…"
          disabled={!dirty}
          onRun={async () => {
            await save();
            return 'Recipe saved.';
          }}
        />
        <ActionButton
          state={action}
          what="apply"
          label="Apply as new dataset"
          busyLabel="Applying…"
          accept
          disabled={steps.length === 0}
          title="Save the recipe, run it over every item and import the result as a new dataset"
          onRun={async () => {
            if (dirty) {
              await save();
            }
            const cleaned = await applyRecipe(dataset.id);
            onApplied(cleaned);
            return `Created “${cleaned.name}” with ${plural(cleaned.item_count, 'item')}.`;
          }}
        />
      </div>
      <ActionOutcome {...action} />
      {preview && <PreviewView preview={preview.answer} stale={preview.of !== JSON.stringify(steps)} />}
    </div>
  );
}
