import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { errorMessage } from '../api';
import * as client from './client';
import { ProjectRegistryModel, registryEvents } from './registryModel';
import { IDeployment, IExportReport, IModelDetail, IVersion, Runtime } from './types';

/**
 * What the Models panel of a project shows: the project's models and
 * deployments (polled), the model picked with its versions, the version
 * picked with its lineage and card, the versions ticked for comparison,
 * and the export reports made here. Every action tells the other lists of
 * the project through `registryEvents`.
 */
export class ModelsPanelModel implements IDisposable {
  constructor(
    readonly projectId: string,
    initial: { model?: string; version?: number } = {}
  ) {
    this.registry = new ProjectRegistryModel(projectId);
    this.registry.changed.connect(this._onRegistry, this);
    this._wanted = initial;
  }

  /** The project's models and deployments. */
  readonly registry: ProjectRegistryModel;

  /** Emitted whenever what the panel shows changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The model picked, with its versions, or null. */
  get model(): IModelDetail | null {
    return this._model;
  }

  /** The version picked, or null while none is (or it loads). */
  get version(): IVersion | null {
    return this._version;
  }

  /** The number of the version picked, or null. */
  get versionNumber(): number | null {
    return this._versionNumber;
  }

  /** The version numbers ticked for comparison. */
  get compared(): readonly number[] {
    return this._compared;
  }

  /** Why loading the model or version failed, or null. */
  get error(): string | null {
    return this._error;
  }

  /** The export report of a version made in this panel, if any. */
  exportReport(version: number): IExportReport | undefined {
    return this._exports.get(version);
  }

  /** The deployments of a version that are not stopped. */
  liveDeployments(version: number): IDeployment[] {
    const name = this._model?.name;
    return this.registry.deployments.filter(
      deployment => deployment.model === name && deployment.version === version && deployment.status !== 'stopped'
    );
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Show a model, at `version` or its newest live version. */
  async selectModel(name: string, version?: number): Promise<void> {
    this._wanted = { model: name, version };
    if (this._model?.name !== name) {
      this._compared = [];
    }
    await this._loadModel(name);
  }

  /** Show one version of the current model. */
  async selectVersion(version: number): Promise<void> {
    const name = this._model?.name;
    if (!name) {
      return;
    }
    this._versionNumber = version;
    this._changed.emit();
    try {
      const found = await client.getVersion(name, version);
      if (this._model?.name === name && this._versionNumber === version) {
        this._version = found;
        this._error = null;
      }
    } catch (error) {
      this._error = errorMessage(error);
    }
    this._changed.emit();
  }

  /** Tick or untick a version for the comparison chart. */
  toggleCompared(version: number): void {
    this._compared = this._compared.includes(version)
      ? this._compared.filter(number => number !== version)
      : [...this._compared, version].sort((a, b) => a - b);
    this._changed.emit();
  }

  /** Point `alias` at the version shown. */
  setAlias(alias: string): Promise<void> {
    return this._act((name, version) => client.setAlias(name, version, alias));
  }

  /** Take `alias` off the model. */
  removeAlias(alias: string): Promise<void> {
    return this._act(name => client.removeAlias(name, alias));
  }

  /** Delete the version shown (soft). */
  deleteVersion(): Promise<void> {
    return this._act((name, version) => client.deleteVersion(name, version));
  }

  /** Restore the version shown. */
  restoreVersion(): Promise<void> {
    return this._act((name, version) => client.restoreVersion(name, version));
  }

  /** Deploy the version shown on `runtime` (`overrideParity`: although it failed parity); the new deployment. */
  async deploy(runtime: Runtime, overrideParity = false): Promise<IDeployment> {
    let deployment: IDeployment | undefined;
    await this._act(async (name, version) => {
      deployment = await client.deploy(name, version, runtime, overrideParity);
    });
    return deployment as IDeployment;
  }

  /** Export the version shown (TorchScript, ONNX, MONAI Bundle) and keep its report. */
  async exportVersion(): Promise<IExportReport> {
    let report: IExportReport | undefined;
    await this._act(async (name, version) => {
      report = await client.exportVersion(name, version);
      this._exports.set(version, report);
    });
    return report as IExportReport;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this.registry.dispose();
    Signal.clearData(this);
  }

  /** Run an action on the version shown, then reload and tell the project's other lists. */
  private async _act(action: (name: string, version: number) => Promise<unknown>): Promise<void> {
    const name = this._model?.name;
    const version = this._versionNumber;
    if (!name || version === null) {
      throw new Error('Pick a model version first.');
    }
    await action(name, version);
    await this._loadModel(name);
    registryEvents.emit(this.projectId);
  }

  /** Fetch a model and the version wanted (else the one shown, else its newest live one). */
  private async _loadModel(name: string): Promise<void> {
    try {
      const model = await client.getModel(name);
      if (this._wanted.model !== undefined && this._wanted.model !== name) {
        return;
      }
      const numbers = model.versions.map(version => version.number);
      const wanted = [this._wanted.version, this._model?.name === name ? this._versionNumber : null];
      const version =
        wanted.find((number): number is number => typeof number === 'number' && numbers.includes(number)) ??
        model.latest_version ??
        (numbers.length ? Math.max(...numbers) : null);
      this._model = model;
      this._wanted = { model: name };
      this._error = null;
      if (version !== null) {
        await this.selectVersion(version);
      } else {
        this._versionNumber = null;
        this._version = null;
      }
    } catch (error) {
      this._error = errorMessage(error);
    }
    this._changed.emit();
  }

  /** After the project's lists changed: pick the first model if none is, and keep the one shown fresh. */
  private _onRegistry(): void {
    const models = this.registry.models;
    const shown = this._model;
    const wanted = this._wanted.model ?? shown?.name ?? models[0]?.name;
    const summary = models.find(model => model.name === wanted);
    if (
      summary &&
      (!shown ||
        shown.name !== summary.name ||
        shown.version_count !== summary.version_count ||
        shown.latest_version !== summary.latest_version ||
        JSON.stringify(shown.aliases) !== JSON.stringify(summary.aliases))
    ) {
      void this._loadModel(summary.name);
    }
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _compared: number[] = [];
  private _disposed = false;
  private _error: string | null = null;
  private _exports = new Map<number, IExportReport>();
  private _model: IModelDetail | null = null;
  private _version: IVersion | null = null;
  private _versionNumber: number | null = null;
  private _wanted: { model?: string; version?: number };
}
