import { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, showErrorMessage, WidgetTracker } from '@jupyterlab/apputils';
import { editIcon, Toolbar } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { CommandIDs } from '../commandIds';
import { openOrFocus } from '../panels';
import { AnnotationModel } from './model';
import { AnnotationToolbar } from './toolbar';
import { AnnotationView } from './view';

/** A whole-number id argument of a command (given as a number or a string), if any. */
function idArg(args: ReadonlyPartialJSONObject, name: string): number | null {
  const raw = args[name];
  const value = typeof raw === 'number' || (typeof raw === 'string' && raw !== '') ? Number(raw) : Number.NaN;
  return Number.isInteger(value) && value >= 0 ? value : null;
}

/** The DOM id of a dataset's annotation tab. */
export function annotationPanelId(datasetId: number): string {
  return `mass-ide-annotation-${datasetId}`;
}

/** A main-area tab annotating one dataset, opened at `itemId` (else at the first unlabelled item). */
function createAnnotationPanel(
  datasetId: number,
  itemId: number | null,
  commands: CommandRegistry
): MainAreaWidget<AnnotationView> {
  const model = new AnnotationModel(datasetId, itemId);
  const content = new AnnotationView(model);
  // A plain toolbar: the default one folds items that do not fit into a "…" menu.
  const panel = new MainAreaWidget({ content, toolbar: new Toolbar() });
  panel.id = annotationPanelId(datasetId);
  panel.addClass('mass-AnnotationPanel');
  panel.title.icon = editIcon;
  panel.title.closable = true;
  panel.title.label = 'Annotate';
  panel.toolbar.addItem('annotation', new AnnotationToolbar(model, commands));
  panel.node.addEventListener('keydown', event => content.handleKeyDown(event));
  model.changed.connect(() => {
    const name = model.dataset?.name;
    if (name && panel.title.caption !== `Annotate “${name}”`) {
      panel.title.label = `Annotate ${name}`;
      panel.title.caption = `Annotate “${name}”`;
    }
  });
  void model.load();
  return panel;
}

/** What the annotation view needs from the application. */
export interface IAnnotationContext {
  app: JupyterFrontEnd;
  restorer: ILayoutRestorer | null;
}

/**
 * Register `mass-ide:annotate` (args `{datasetId, itemId?}`): one annotation
 * view per dataset, restored with the page at the item last shown.
 */
export function registerAnnotation({ app, restorer }: IAnnotationContext): void {
  const { commands } = app;
  const tracker = new WidgetTracker<MainAreaWidget<AnnotationView>>({ namespace: 'mass-ide-annotation' });

  commands.addCommand(CommandIDs.annotate, {
    label: 'Annotate dataset',
    caption: 'Label the items of a dataset, or paint their masks',
    icon: editIcon,
    execute: async args => {
      const datasetId = idArg(args, 'datasetId');
      const itemId = idArg(args, 'itemId');
      if (datasetId === null) {
        await showErrorMessage(
          'Which dataset?',
          "Open a project and press a dataset's Annotate button, or run this command with {datasetId}."
        );
        return;
      }
      // One tab per dataset: opened at another item, it moves there.
      const panel = openOrFocus(
        app,
        tracker,
        content => content.model.datasetId === datasetId,
        () => {
          const created = createAnnotationPanel(datasetId, itemId, commands);
          // Remember the item on show, so a reload reopens the view there.
          created.content.model.itemChanged.connect(() => void tracker.save(created));
          return created;
        }
      );
      if (itemId !== null) {
        void panel.content.model.goToItem(itemId);
      }
    }
  });

  void restorer?.restore(tracker, {
    command: CommandIDs.annotate,
    args: panel => ({ datasetId: panel.content.model.datasetId, itemId: panel.content.model.item?.id ?? null }),
    name: panel => String(panel.content.model.datasetId)
  });
}
