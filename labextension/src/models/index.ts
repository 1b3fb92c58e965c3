export { setupModels } from './commands';
export { RegistrySections } from './sections';
