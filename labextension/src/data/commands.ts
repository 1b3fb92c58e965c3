import { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget, showErrorMessage, WidgetTracker } from '@jupyterlab/apputils';
import { Contents } from '@jupyterlab/services';
import { fileUploadIcon, imageIcon, LabIcon, spreadsheetIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { CommandIDs } from '../commandIds';
import { liverIcon } from '../icons';
import { ProjectsModel } from '../model';
import { openOrFocus, openOrFocusPanel, positiveInteger, projectArg } from '../panels';
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
      const projectId = await projectArg(model, args, 'Import data into');
      if (!projectId) {
        return;
      }
      openOrFocusPanel(
        app,
        imports,
        content => content.projectId === projectId,
        {
          create: () => {
            const importModel = new ImportModel(projectId);
            // The project panel lists datasets: refresh it after each import.
            importModel.imported.connect(() => void model.refresh());
            return new ImportPanel({
              model: importModel,
              projects: model,
              commands,
              fileBrowserSelection: () => fileBrowserSelection(shell)
            });
          },
          id: `mass-ide-import-${projectId}`,
          icon: fileUploadIcon,
          caption: name => `Import data into ${name}`,
          label: name => `Import · ${name}`
        },
        model,
        projectId
      );
    }
  });

  commands.addCommand(CommandIDs.openDataset, {
    label: 'Open dataset',
    caption: "A dataset's items, quality, cleaning recipe, versions and exports",
    execute: async args => {
      const datasetId = positiveInteger(args.datasetId);
      if (datasetId === undefined) {
        await showErrorMessage('No dataset to open', 'Give the dataset to open as {"datasetId": 1}.');
        return;
      }
      openOrFocus(
        app,
        views,
        content => content.datasetId === datasetId,
        () => {
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
          return widget;
        }
      );
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
