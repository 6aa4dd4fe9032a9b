// Public surface of the model.
export { type BuildResult, build } from './build.ts';
export * as names from './names.ts';
export type * from './types.ts';
