// Public surface of the model.

export { type BuildOptions, type BuildResult, build } from './build.ts';
export type { AuthTarget } from './build-auth.ts';
export * as names from './names.ts';
export type * from './types.ts';
