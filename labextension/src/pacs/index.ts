/** The PACS panel in JupyterLab: its command, its tracker (restored with the layout) and its palette entry. */
import { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import { LabIcon } from '@jupyterlab/ui-components';

import { CommandIDs } from '../commandIds';
import { ProjectsModel } from '../model';
import { openOrFocusPanel, projectArg } from '../panels';
import { PacsPanel } from './pacsPanel';
import { PacsPanelModel } from './panelModel';

/** A PACS: a stack of storage discs with an arrow down, "studies come from here". */
export const pacsIcon = new LabIcon({
  name: 'mass-ide:pacs',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M3 4.5C3 3.1 6.1 2 10 2s7 1.1 7 2.5S13.9 7 10 7 3 5.9 3 4.5z"/>
    <path d="M3 6.6C4.4 7.9 7.1 8.6 10 8.6s5.6-.7 7-2V10c0 1.4-3.1 2.5-7 2.5S3 11.4 3 10z"/>
    <path d="M3 12.1c1.4 1.3 4.1 2 7 2 1.3 0 2.5-.1 3.6-.4V18c-1.1.3-2.3.5-3.6.5-3.9 0-7-1.1-7-2.5z"/>
    <path d="M18 12h2v6.2l2.1-2.1 1.4 1.4-4.5 4.5-4.5-4.5 1.4-1.4 2.1 2.1z"/>
  </g></svg>`
});

/** What the PACS panel needs. */
export interface IPacsOptions {
  app: JupyterFrontEnd;
  model: ProjectsModel;
  restorer: ILayoutRestorer | null;
  palette: ICommandPalette | null;
  /** The command-palette category. */
  category: string;
}

/**
 * The PACS panel of a project: `CommandIDs.openPacs`, its tracker (restored
 * with the layout) and a palette entry; no Launcher card, since the Launcher's
 * Mass IDE cards are the project templates. A retrieval that finishes
 * refreshes the project list, so the project panel lists its dataset.
 */
export function setupPacs({ app, model, restorer, palette, category }: IPacsOptions): void {
  const { commands } = app;
  const panels = new WidgetTracker<MainAreaWidget<PacsPanel>>({ namespace: 'mass-ide-pacs' });

  commands.addCommand(CommandIDs.openPacs, {
    label: args => (args.projectId ? 'From the PACS' : 'Retrieve studies from the PACS into a Mass IDE project…'),
    caption: "Search the hospital's PACS and retrieve series, de-identified, into a project's datasets",
    icon: pacsIcon,
    execute: async args => {
      const projectId = await projectArg(model, args, 'Retrieve studies from the PACS into');
      if (!projectId) {
        return;
      }
      openOrFocusPanel(
        app,
        panels,
        content => content.projectId === projectId,
        {
          create: () => {
            const pacsModel = new PacsPanelModel(projectId);
            // The project panel lists datasets: refresh it when a retrieval ends.
            pacsModel.retrievals.finished.connect(() => void model.refresh());
            return new PacsPanel({ model: pacsModel, projects: model, commands });
          },
          id: `mass-ide-pacs-${projectId}`,
          icon: pacsIcon,
          caption: name => `Search the PACS and retrieve studies into ${name}`,
          label: name => `PACS · ${name}`
        },
        model,
        projectId
      );
    }
  });

  if (restorer) {
    void restorer.restore(panels, {
      command: CommandIDs.openPacs,
      args: panel => ({ projectId: panel.content.projectId }),
      name: panel => panel.content.projectId
    });
  }
  palette?.addItem({ command: CommandIDs.openPacs, category });
}
