export { setupTraining } from './commands';
export { RunsSection } from './runList';
