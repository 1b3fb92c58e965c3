/** The trace from study to prediction in JupyterLab: its command, its tracker (restored with the layout). */
import { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, showErrorMessage, WidgetTracker } from '@jupyterlab/apputils';
import { LabIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { CommandIDs } from '../commandIds';
import { openOrFocus, positiveInteger } from '../panels';
import { targetKey, targetLabel, TraceTarget } from './client';
import { TraceModel } from './model';
import { TracePanel } from './panel';

export type { TraceTarget } from './client';

/** A trace: three linked steps top to bottom. */
export const traceIcon = new LabIcon({
  name: 'mass-ide:trace',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <circle cx="6" cy="4.5" r="2.5"/><circle cx="6" cy="12" r="2.5"/><circle cx="6" cy="19.5" r="2.5"/>
    <path d="M5 6h2v4H5zM5 13.5h2v4H5z"/>
    <path d="M10 3.5h11v2H10zM10 11h9v2h-9zM10 18.5h11v2H10z"/>
  </g></svg>`
});

/** The command arguments naming a trace's start: `{deployment, prediction}`, `{model, version}` or `{item}`. */
export function traceArgs(target: TraceTarget): ReadonlyPartialJSONObject {
  switch (target.kind) {
    case 'prediction':
      return { deployment: target.deployment, prediction: target.prediction };
    case 'version':
      return { model: target.model, version: target.version };
    case 'item':
      return { item: target.item };
  }
}

/** Where a trace starts, from the command's arguments; undefined when they name none. */
export function traceTarget(args: ReadonlyPartialJSONObject): TraceTarget | undefined {
  const deployment = positiveInteger(args.deployment);
  if (deployment !== undefined && typeof args.prediction === 'string' && args.prediction) {
    return { kind: 'prediction', deployment, prediction: args.prediction };
  }
  const version = positiveInteger(args.version);
  if (typeof args.model === 'string' && args.model && version !== undefined) {
    return { kind: 'version', model: args.model, version };
  }
  const item = positiveInteger(args.item);
  return item === undefined ? undefined : { kind: 'item', item };
}

/**
 * Open the trace of `target` (for panels outside this folder, e.g. the PACS panel's prediction of a
 * series: `openTrace(commands, {kind: 'prediction', deployment, prediction})`).
 */
export function openTrace(commands: CommandRegistry, target: TraceTarget): Promise<unknown> {
  return commands.execute(CommandIDs.openTrace, traceArgs(target));
}

/** What the trace panels need. */
export interface ITraceOptions {
  app: JupyterFrontEnd;
  restorer: ILayoutRestorer | null;
}

/** `CommandIDs.openTrace` and its tracker, restored with the layout (no palette entry: it needs arguments). */
export function setupTrace({ app, restorer }: ITraceOptions): void {
  const { commands } = app;
  const panels = new WidgetTracker<MainAreaWidget<TracePanel>>({ namespace: 'mass-ide-trace' });

  commands.addCommand(CommandIDs.openTrace, {
    label: args => {
      const target = traceTarget(args);
      return target ? `Trace ${targetLabel(target)}` : 'Trace';
    },
    caption: 'From the source studies to the predictions and DICOM results: who and when at each step',
    icon: traceIcon,
    execute: async args => {
      const target = traceTarget(args);
      if (!target) {
        await showErrorMessage(
          'Nothing to trace',
          'Give where the trace starts as {"deployment": 1, "prediction": "…"}, {"model": "name", "version": 1} ' +
            'or {"item": 1}.'
        );
        return;
      }
      const key = targetKey(target);
      openOrFocus(
        app,
        panels,
        content => targetKey(content.target) === key,
        () => {
          const widget = new MainAreaWidget({ content: new TracePanel(new TraceModel(target), commands) });
          widget.id = `mass-ide-trace-${key}`;
          widget.title.label = `Trace · ${targetLabel(target)}`;
          widget.title.caption = 'From the source studies to the predictions and DICOM results';
          widget.title.icon = traceIcon;
          widget.title.closable = true;
          return widget;
        }
      );
    }
  });

  if (restorer) {
    void restorer.restore(panels, {
      command: CommandIDs.openTrace,
      args: panel => traceArgs(panel.content.target),
      name: panel => targetKey(panel.content.target)
    });
  }
}
