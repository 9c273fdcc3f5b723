export { patchProcess, type PatchOutcome, type PatchRequest } from './patch.js';
export { unpatchProcess, type UnpatchOutcome, type UnpatchRequest } from './unpatch.js';
export { listApplied, formatInfo, type ObjectPatches } from './info.js';
export { loadSysApi, type SysApi } from './sys.js';
export { parseArgs, type Command } from './cli-args.js';
export { DEFAULT_RETRY, type RetryPolicy } from './safe-freeze.js';
export { openStorage, lookupPatch, type Storage, type FoundPatch } from './storage.js';
export { type ErrorReport, type ProcessReport, type RunReport, type PatchReport, type ObjectReport } from './report.js';
export { buildUnwindTables, unwindThread, type UnwindTables, type UnwindResult, type Frame, type EhFrameCache } from './unwind.js';
