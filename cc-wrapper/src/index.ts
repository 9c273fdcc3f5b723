/** Library view of the wrapper, for tests and tools that need its argv knowledge. */
export { OPTION_TABLE, UNKNOWN_OPTION, lookupOption } from './option-table.js';
export type { ArgForm, OptionRole, OptionSpec, OptionMatch } from './option-table.js';
export { parseArgv, langOfPath } from './parse-argv.js';
export type { ArgToken, InputLang, ParsedArgv } from './parse-argv.js';
export { classifyCall, defaultOutput } from './classify.js';
export type { CallPlan, CompileUnit, InputToken } from './classify.js';
export { asmFileName, depFileName, linkUnitBase, reportFileName, ASM_PREFIX } from './asm-names.js';
export type { UnitReport } from './merge-assembly.js';
export type { AsmKind } from './asm-names.js';
export { readWrapperEnv, childEnvironment, SAVED_CA_VARIABLE } from './env.js';
export type { Flavor, RealCompiler, Stage, StageSetting, WrapperEnv } from './env.js';
export { runWrapper } from './wrapper.js';
export type { CallSite } from './wrapper.js';
export { expandResponseFiles, splitResponseText } from './response-file.js';
export type { ExpandedArgv, ReadText } from './response-file.js';
