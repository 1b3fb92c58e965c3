import { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget, showErrorMessage, WidgetTracker } from '@jupyterlab/apputils';
import { Contents } from '@jupyterlab/services';
import { fileUploadIcon, imageIcon, LabIcon, spreadsheetIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';

import { CommandIDs } from '../commandIds';
import { pickProject } from '../dialogs';
import { liverIcon } from '../icons';
import { ProjectsModel } from '../model';
import { DatasetModel } from './datasetModel';
import { DatasetView } from './datasetView';
import { ImportModel } from './importModel';
import { ImportPanel } from './importPanel';
import { DatasetKind } from './types';

/** What the data panels need. */
export interface IDataPanelsOptions {
  app: JupyterFrontEnd;
  model: ProjectsModel;
  restorer: ILayoutRestorer | null;
  palette: ICommandPalette | null;
  /** The command-palette category. */
  category: string;
}

/** The icon of a dataset tab, by what the dataset holds. */
export function datasetIcon(kind: DatasetKind | undefined): LabIcon {
  switch (kind) {
    case 'tabular':
      return spreadsheetIcon;
    case 'volume':
      return liverIcon;
    default:
      return imageIcon;
  }
}

/** A widget that lists what is selected in it, as JupyterLab's file browser does. */
interface ISelectionSource {
  selectedItems(): IterableIterator<Contents.IModel>;
}

function hasSelection(widget: Widget): widget is Widget & ISelectionSource {
  return typeof (widget as Partial<ISelectionSource>).selectedItems === 'function';
}

/**
 * The paths selected in JupyterLab's default file browser (relative to the
 * server root). The browser is found in the left area by its id rather than
 * through `IDefaultFileBrowser`, which would add a package to the build.
 */
function fileBrowserSelection(shell: JupyterFrontEnd.IShell): string[] {
  for (const widget of shell.widgets('left')) {
    if (widget.id !== 'filebrowser') {
      continue;
    }
    // The file browser panel holds the browser itself among its descendants.
    const queue: Widget[] = [widget];
    while (queue.length > 0) {
      const found = queue.shift() as Widget;
      if (hasSelection(found)) {
        return Array.from(found.selectedItems(), item => item.path);
      }
      queue.push(...Array.from(found.children()));
    }
  }
  return [];
}

/** A positive whole-number argument of a command, if given (as a number or digits). */
function idArg(args: ReadonlyPartialJSONObject, name: string): number | undefined {
  const value = args[name];
  const id = typeof value === 'string' ? Number(value) : value;
  return typeof id === 'number' && Number.isInteger(id) && id > 0 ? id : undefined;
}

/** The main-area id of a dataset's view. */
export function datasetViewId(datasetId: number): string {
  return `mass-ide-dataset-${datasetId}`;
}

/**
 * The Import panel and the dataset view: their commands, trackers (restored
 * with the layout) and palette entry.
 */
export function setupDataPanels({ app, model, restorer, palette, category }: IDataPanelsOptions): void {
  const { commands, shell } = app;
  const imports = new WidgetTracker<MainAreaWidget<ImportPanel>>({ namespace: 'mass-ide-import' });
  const views = new WidgetTracker<MainAreaWidget<DatasetView>>({ namespace: 'mass-ide-dataset' });

  const openDataset = (datasetId: number): void => void commands.execute(CommandIDs.openDataset, { datasetId });

  commands.addCommand(CommandIDs.importData, {
    label: args => (args.projectId ? 'Import data' : 'Import data into a Mass IDE project…'),
    caption: 'Upload tables, images, NIfTI volumes or DICOM series into a project',
    icon: fileUploadIcon,
    execute: async args => {
      const given = args.projectId;
      const projectId =
        typeof given === 'string' && given ? given : (await pickProject(model, 'Import data into'))?.id;
      if (!projectId) {
        return;
      }
      let panel = imports.find(widget => widget.content.projectId === projectId);
      if (!panel) {
        const importModel = new ImportModel(projectId);
        // The project panel lists datasets: refresh it after each import.
        importModel.imported.connect(() => void model.refresh());
        const content = new ImportPanel({
          model: importModel,
          projects: model,
          commands,
          fileBrowserSelection: () => fileBrowserSelection(shell)
        });
        panel = new MainAreaWidget({ content });
        panel.id = `mass-ide-import-${projectId}`;
        panel.title.icon = fileUploadIcon;
        panel.title.closable = true;
        const updateTitle = (): void => {
          const name = model.project(projectId)?.name ?? projectId;
          if (panel) {
            panel.title.label = `Import · ${name}`;
            panel.title.caption = `Import data into ${name}`;
          }
        };
        updateTitle();
        model.changed.connect(updateTitle);
        panel.disposed.connect(() => model.changed.disconnect(updateTitle));
        void imports.add(panel);
        shell.add(panel, 'main');
      }
      shell.activateById(panel.id);
    }
  });

  commands.addCommand(CommandIDs.openDataset, {
    label: 'Open dataset',
    caption: "A dataset's items, quality, cleaning recipe, versions and exports",
    execute: async args => {
      const datasetId = idArg(args, 'datasetId');
      if (datasetId === undefined) {
        await showErrorMessage('No dataset to open', 'Give the dataset to open as {"datasetId": 1}.');
        return;
      }
      let view = views.find(widget => widget.content.datasetId === datasetId);
      if (!view) {
        const datasetModel = new DatasetModel(datasetId);
        const content = new DatasetView(datasetModel, commands, created => {
          void model.refresh();
          openDataset(created.id);
        });
        const widget = new MainAreaWidget({ content });
        widget.id = datasetViewId(datasetId);
        widget.title.label = `Dataset ${datasetId}`;
        widget.title.icon = datasetIcon(undefined);
        widget.title.closable = true;
        datasetModel.changed.connect(() => {
          const dataset = datasetModel.dataset;
          if (dataset) {
            widget.title.label = dataset.name;
            widget.title.caption = `${dataset.name} — dataset ${dataset.id}`;
            widget.title.icon = datasetIcon(dataset.kind);
          }
        });
        view = widget;
        void views.add(view);
        shell.add(view, 'main');
      }
      shell.activateById(view.id);
    }
  });

  if (restorer) {
    void restorer.restore(imports, {
      command: CommandIDs.importData,
      args: panel => ({ projectId: panel.content.projectId }),
      name: panel => panel.content.projectId
    });
    void restorer.restore(views, {
      command: CommandIDs.openDataset,
      args: view => ({ datasetId: view.content.datasetId }),
      name: view => String(view.content.datasetId)
    });
  }
  palette?.addItem({ command: CommandIDs.importData, category });
}
