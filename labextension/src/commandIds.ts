/** The ids of every Mass IDE command. */
export namespace CommandIDs {
  /** Create a project; args `{template?: string}` (asks for the template when missing). */
  export const newProject = 'mass-ide:new-project';
  /** Open a project panel; args `{id?: string}` (asks which when missing). */
  export const openProject = 'mass-ide:open-project';
  /** Open a project's notebook; args `{id?: string}` (asks which when missing). */
  export const openNotebook = 'mass-ide:open-notebook';
  /** Move a project to the trash after confirming; args `{id?: string}`. */
  export const deleteProject = 'mass-ide:delete-project';
  /** Fetch the project list now. */
  export const refresh = 'mass-ide:refresh-projects';
  /** Show the Mass sidebar. */
  export const showSidebar = 'mass-ide:show-sidebar';
  /** Open a project's Import panel; args `{projectId?: string}` (asks which when missing). */
  export const importData = 'mass-ide:import-data';
  /**
   * Open a project's PACS panel (search studies, retrieve series as a de-identified dataset);
   * args `{projectId?: string}` (asks which when missing).
   */
  export const openPacs = 'mass-ide:open-pacs';
  /** Open a dataset's view; args `{datasetId: number}`. */
  export const openDataset = 'mass-ide:open-dataset';
  /** Open a dataset's annotation view; args `{datasetId: number, itemId?: number}`. */
  export const annotate = 'mass-ide:annotate';
  /** Open a project's Train panel; args `{projectId?: string}` (asks which when missing). */
  export const train = 'mass-ide:train';
  /** Open a run's training panel; args `{runId: number}`. */
  export const openRun = 'mass-ide:open-run';
  /** Compare runs of a project; args `{projectId?: string, runIds?: number[]}`. */
  export const compareRuns = 'mass-ide:compare-runs';
  /** Open a project's Models panel; args `{projectId?: string, model?: string, version?: number}`. */
  export const openModels = 'mass-ide:open-models';
  /** Register a completed run as a model version and show it; args `{runId: number}`. */
  export const registerRun = 'mass-ide:register-run';
  /** Open a deployment's online test page; args `{deploymentId: number}`. */
  export const testDeployment = 'mass-ide:test-deployment';
  /**
   * Open the trace from the source studies to the predictions; args `{deployment: number, prediction: string}`,
   * `{model: string, version: number}` or `{item: number}`.
   */
  export const openTrace = 'mass-ide:open-trace';
}
