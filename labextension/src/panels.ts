import { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, ReactWidget, WidgetTracker } from '@jupyterlab/apputils';
import { LabIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { Widget } from '@lumino/widgets';

import { pickProject } from './dialogs';
import { ProjectsModel } from './model';

/*
 * What the commands that open main-area panels share: reading their
 * arguments, opening (or focusing) a tracked panel, and a panel that owns
 * the model it shows.
 */

/** A positive whole number (an id), given as a number or as digits. */
export function positiveInteger(value: unknown): number | undefined {
  const id = typeof value === 'string' ? Number(value) : value;
  return typeof id === 'number' && Number.isInteger(id) && id > 0 ? id : undefined;
}

/** The project named by `args.projectId`, else the one the user picks. */
export async function projectArg(
  model: ProjectsModel,
  args: ReadonlyPartialJSONObject,
  title: string
): Promise<string | undefined> {
  const given = args.projectId;
  return typeof given === 'string' && given ? given : (await pickProject(model, title))?.id;
}

/** How to make a project's panel when none is open yet. */
export interface IProjectPanelOptions<T extends Widget> {
  /** Makes the panel's content. */
  create: () => T;
  /** The main-area id. */
  id: string;
  icon: LabIcon;
  /** The tab's tooltip, given the project's name. */
  caption: (name: string) => string;
  /** The tab's label, given the project's name. */
  label: (name: string) => string;
}

/**
 * Focus the panel of `tracker` whose content `matches`, or `create` one,
 * track it and add it to the main area.
 */
export function openOrFocus<T extends Widget>(
  app: JupyterFrontEnd,
  tracker: WidgetTracker<MainAreaWidget<T>>,
  matches: (content: T) => boolean,
  create: () => MainAreaWidget<T>
): MainAreaWidget<T> {
  let panel = tracker.find(widget => matches(widget.content));
  if (!panel) {
    panel = create();
    void tracker.add(panel);
    app.shell.add(panel, 'main');
  }
  app.shell.activateById(panel.id);
  return panel;
}

/**
 * Focus the panel of `tracker` whose content `matches`, or open a new one
 * of the project, its title following the project's name.
 */
export function openOrFocusPanel<T extends Widget>(
  app: JupyterFrontEnd,
  tracker: WidgetTracker<MainAreaWidget<T>>,
  matches: (content: T) => boolean,
  options: IProjectPanelOptions<T>,
  model: ProjectsModel,
  projectId: string
): MainAreaWidget<T> {
  return openOrFocus(app, tracker, matches, () => {
    const widget = new MainAreaWidget({ content: options.create() });
    widget.id = options.id;
    widget.title.icon = options.icon;
    widget.title.closable = true;
    const update = (): void => {
      const name = model.project(projectId)?.name ?? projectId;
      widget.title.label = options.label(name);
      widget.title.caption = options.caption(name);
    };
    update();
    model.changed.connect(update);
    widget.disposed.connect(() => model.changed.disconnect(update));
    return widget;
  });
}

/** A React panel that shows one model and disposes of it with itself. */
export abstract class ModelPanel<M extends IDisposable> extends ReactWidget {
  constructor(
    readonly model: M,
    className: string
  ) {
    super();
    this.addClass(className);
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.dispose();
    super.dispose();
  }
}
