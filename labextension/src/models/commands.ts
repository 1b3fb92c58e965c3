import { ILayoutRestorer, JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget, showErrorMessage, WidgetTracker } from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';

import { errorMessage } from '../api';
import { CommandIDs } from '../commandIds';
import { ProjectsModel } from '../model';
import { openOrFocus, openOrFocusPanel, positiveInteger, projectArg } from '../panels';
import { getModel, registerRun } from './client';
import { DeploymentModel } from './deploymentModel';
import { modelIcon, testIcon } from './icons';
import { ModelsPanel } from './modelsPanel';
import { ModelsPanelModel } from './panelModel';
import { registryEvents } from './registryModel';
import { TestPanel } from './testPanel';

/** What the registry and serving panels need. */
export interface IModelsOptions {
  app: JupyterFrontEnd;
  model: ProjectsModel;
  restorer: ILayoutRestorer | null;
  palette: ICommandPalette | null;
  rendermime: IRenderMimeRegistry | null;
  /** The command-palette category. */
  category: string;
}

/**
 * The model registry and deployments in JupyterLab: a Models panel per
 * project (versions, comparison, lineage, card, deploy, alias, download,
 * export, delete) and a test page per deployment (a form from the input
 * signature, the prediction, Evaluate); their commands, trackers (restored
 * with the layout) and palette entries.
 */
export function setupModels({ app, model, restorer, palette, rendermime, category }: IModelsOptions): void {
  const { commands } = app;
  const panels = new WidgetTracker<MainAreaWidget<ModelsPanel>>({ namespace: 'mass-ide-models' });
  const tests = new WidgetTracker<MainAreaWidget<TestPanel>>({ namespace: 'mass-ide-test' });

  commands.addCommand(CommandIDs.openModels, {
    label: args => (args.projectId ? 'Models' : 'Open the models of a Mass IDE project…'),
    caption: 'Registered model versions: compare, deploy, test, export',
    icon: modelIcon,
    execute: async args => {
      const projectId = await projectArg(model, args, 'Open the models of');
      if (!projectId) {
        return;
      }
      const panel = openOrFocusPanel(
        app,
        panels,
        content => content.projectId === projectId,
        {
          create: () => new ModelsPanel(new ModelsPanelModel(projectId), model, commands, rendermime),
          id: `mass-ide-models-${projectId}`,
          icon: modelIcon,
          caption: name => `Models of ${name}`,
          label: name => `Models · ${name}`
        },
        model,
        projectId
      );
      if (typeof args.model === 'string' && args.model) {
        await panel.content.model.selectModel(args.model, positiveInteger(args.version));
      }
    }
  });

  commands.addCommand(CommandIDs.registerRun, {
    label: 'Register as a model version',
    caption: "Register a completed run's best checkpoint as a new model version",
    icon: modelIcon,
    execute: async args => {
      const runId = positiveInteger(args.runId);
      if (runId === undefined) {
        await showErrorMessage('No run to register', 'Give the run to register as {"runId": 1}.');
        return;
      }
      try {
        const version = await registerRun(runId);
        const projectId =
          typeof args.projectId === 'string' && args.projectId
            ? args.projectId
            : (await getModel(version.model)).project_id;
        registryEvents.emit(projectId);
        await commands.execute(CommandIDs.openModels, { projectId, model: version.model, version: version.number });
      } catch (error) {
        await showErrorMessage(`Could not register run ${runId}`, errorMessage(error));
      }
    }
  });

  commands.addCommand(CommandIDs.testDeployment, {
    label: args => (args.deploymentId ? `Test deployment ${args.deploymentId}` : 'Test a deployment'),
    caption: "A deployment's online test page and evaluation",
    icon: testIcon,
    execute: async args => {
      const deploymentId = positiveInteger(args.deploymentId);
      if (deploymentId === undefined) {
        await showErrorMessage('No deployment to test', 'Give the deployment to test as {"deploymentId": 1}.');
        return;
      }
      openOrFocus(
        app,
        tests,
        content => content.deploymentId === deploymentId,
        () => {
          const deploymentModel = new DeploymentModel(deploymentId);
          const widget = new MainAreaWidget({ content: new TestPanel(deploymentModel, commands) });
          widget.id = `mass-ide-test-${deploymentId}`;
          widget.title.label = `Test · deployment ${deploymentId}`;
          widget.title.icon = testIcon;
          widget.title.closable = true;
          deploymentModel.changed.connect(() => {
            const deployment = deploymentModel.deployment;
            if (deployment) {
              const name = `${deployment.model} v${deployment.version}`;
              widget.title.label = `Test · ${name}`;
              widget.title.caption = `Deployment ${deployment.id} of ${name} — ${deployment.status}`;
            }
          });
          return widget;
        }
      );
    }
  });

  if (restorer) {
    void restorer.restore(panels, {
      command: CommandIDs.openModels,
      args: panel => ({ projectId: panel.content.projectId }),
      name: panel => panel.content.projectId
    });
    void restorer.restore(tests, {
      command: CommandIDs.testDeployment,
      args: panel => ({ deploymentId: panel.content.deploymentId }),
      name: panel => String(panel.content.deploymentId)
    });
  }
  palette?.addItem({ command: CommandIDs.openModels, category });
}
