export type { GensrcOptions, DiffReport, GensrcResult } from './types.js';
export { generateMergedAssembly } from './generate.js';
