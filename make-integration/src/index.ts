/** Library view of tscare-patch-make (the CLI is dist/cli.js). */
export { parseCommandLine, USAGE } from './args.js';
export type { ParsedCommand, PatchMakeOptions } from './args.js';
export { readPatchMakeEnv } from './env.js';
export type { PatchMakeDirs, PatchMakeEnv } from './env.js';
export { planPatches, targetOf } from './patch-set.js';
export type { FileChange } from './patch-set.js';
export { SourceBackup } from './source-backup.js';
export { executableFiles, buildKpatches } from './build-kpatches.js';
export type { BinaryOutcome, KpatchJob } from './build-kpatches.js';
export { findCompilerWrappers } from './find-wrapper.js';
export type { CompilerWrappers } from './find-wrapper.js';
export { patchMake } from './patch-make.js';
export type { PatchMakeContext, PatchMakeResult } from './patch-make.js';
