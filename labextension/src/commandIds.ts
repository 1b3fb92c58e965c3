/** The ids of every Mass IDE command. */
export namespace CommandIDs {
  export const newProject = 'mass-ide:new-project';
  export const openProject = 'mass-ide:open-project';
  export const openNotebook = 'mass-ide:open-notebook';
  export const deleteProject = 'mass-ide:delete-project';
  export const refresh = 'mass-ide:refresh-projects';
  export const showSidebar = 'mass-ide:show-sidebar';
}
