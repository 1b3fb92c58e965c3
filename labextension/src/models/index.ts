export { setupModels } from './commands';
export { LiveDeployments, RegistrySections } from './sections';
export { useProjectRegistry } from './registryModel';
