#!/usr/bin/env node
/** tscare-ctl: the only place that prints and chooses exit codes (0, or 255 as libcare-ctl). */
import { formatError, isTscareError, restoreParkedEnvironment } from '@tscare/errors';
import { parseArgs, USAGE, wantsJson, type Command } from './cli-args.js';
import { execPatched } from './exec-program.js';
import { formatInfo, listApplied } from './info.js';
import type { ElfCache } from './objects.js';
import { patchProcess, type PatchOutcome } from './patch.js';
import { listProcesses } from './processes.js';
import { errorReport, textLines, type ProcessReport, type RunReport } from './report.js';
import { defaultStorageOptions, openStorage, type Storage } from './storage.js';
import { loadSysApi, type SysApi } from './sys.js';
import { checkPid, escapedCmdline } from './target.js';
import type { EhFrameCache } from './unwind.js';
import { unpatchProcess } from './unpatch.js';

const TOOL = 'tscare-ctl';

interface RunContext {
  sys: SysApi;
  /** `-p all`: a process without a matching object is not an error. */
  all: boolean;
  elfCache: ElfCache;
  ehCache: EhFrameCache;
}

function isCode(e: unknown, code: string): boolean {
  return isTscareError(e) && e.code === code;
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

function patchOne(ctx: RunContext, storage: Storage, pid: number, cmdline: string): ProcessReport {
  return patchReport(ctx, pid, cmdline, () => patchProcess(ctx.sys, { pid, storage, elfCache: ctx.elfCache, ehCache: ctx.ehCache }));
}

function patchReport(ctx: RunContext, pid: number, cmdline: string, patch: () => PatchOutcome): ProcessReport {
  try {
    const r = patch();
    if (r.kind === 'nothing-to-apply') return { kind: 'nothing-to-apply', pid, cmdline };
    const patches = r.patches.map((p) => ({ object: p.object, id: p.id, base: hex(p.base), size: p.size, functions: p.functions }));
    return { kind: 'applied', pid, cmdline, frozen_us: r.frozenUs, attempts: r.attempts, warnings: r.warnings, notes: r.notes, patches };
  } catch (e) {
    if (ctx.all && isCode(e, 'PATCH_BUILDID_MISMATCH')) return { kind: 'nothing-to-apply', pid, cmdline };
    return { kind: 'failed', pid, cmdline, error: errorReport(e) };
  }
}

/** The started program's report; a failed patch has killed it (see exec-program.ts). */
function execOne(sys: SysApi, storage: Storage, cmd: Extract<Command, { kind: 'exec' }>): ProcessReport {
  const r = execPatched(sys, storage, cmd.program, cmd.args);
  if (r.kind === 'killed') return { kind: 'failed', pid: r.pid, cmdline: r.cmdline, error: errorReport(r.error) };
  const ctx: RunContext = { sys, all: false, elfCache: new Map(), ehCache: new Map() };
  return patchReport(ctx, r.pid, r.cmdline, () => r.outcome);
}

function unpatchOne(ctx: RunContext, cmd: Extract<Command, { kind: 'unpatch' }>, pid: number, cmdline: string): ProcessReport {
  try {
    const r = unpatchProcess(ctx.sys, { pid, id: cmd.id, only: cmd.only, elfCache: ctx.elfCache, ehCache: ctx.ehCache });
    return { kind: 'removed', pid, cmdline, frozen_us: r.frozenUs, attempts: r.attempts, warnings: r.warnings, notes: r.notes, objects: r.objects };
  } catch (e) {
    if (ctx.all && isCode(e, 'PATCH_NOT_APPLIED')) return { kind: 'nothing-to-remove', pid, cmdline };
    return { kind: 'failed', pid, cmdline, error: errorReport(e) };
  }
}

/** Runs `action` for the pid or for every process of `-p all` (those that vanish meanwhile are left out). */
function forEachTarget(ctx: RunContext, pid: number | 'all', action: (pid: number, cmdline: string) => ProcessReport,
  emit: (r: ProcessReport) => void): ProcessReport[] {
  const out: ProcessReport[] = [];
  for (const p of pid === 'all' ? listProcesses() : [pid]) {
    let r: ProcessReport;
    try {
      checkPid(p);
      r = action(p, escapedCmdline(p));
    } catch (e) {
      if (pid === 'all' && (isCode(e, 'PROCESS_NOT_FOUND') || isCode(e, 'PROCESS_ZOMBIE'))) continue;
      r = { kind: 'failed', pid: p, error: errorReport(e) };
    }
    // Under -p all, a process that exited (or is a zombie) has nothing to patch.
    if (pid === 'all' && r.kind === 'failed' && (r.error.code === 'PROCESS_NOT_FOUND' || r.error.code === 'PROCESS_ZOMBIE')) continue;
    emit(r);
    out.push(r);
  }
  return out;
}

function run(cmd: Command, emit: (r: ProcessReport) => void): RunReport {
  const report = (command: RunReport['command'], processes: ProcessReport[]): RunReport =>
    ({ tool: TOOL, command, ok: processes.every((p) => p.kind !== 'failed'), processes });
  switch (cmd.kind) {
    case 'help':
      return report('help', []);
    case 'info': {
      checkPid(cmd.pid);
      const found = listApplied(cmd.pid);
      const objects = found.objects.map((e) => ({ name: e.object.name, build_id: e.buildId, ids: e.ids }));
      const listed: ProcessReport = { kind: 'listed', pid: cmd.pid, objects, warnings: found.leftovers };
      emit(listed);
      return report('info', [listed]);
    }
    case 'patch': {
      // The patch file is read and verified completely before any process is looked at.
      const storage = openStorage(cmd.storage, defaultStorageOptions(cmd.requireSigned));
      const ctx: RunContext = { sys: loadSysApi(), all: cmd.pid === 'all', elfCache: new Map(), ehCache: new Map() };
      return report('patch', forEachTarget(ctx, cmd.pid, (pid, cmdline) => patchOne(ctx, storage, pid, cmdline), emit));
    }
    case 'exec': {
      // As for patch: the patch is read and verified before the program is started.
      const storage = openStorage(cmd.storage, defaultStorageOptions(cmd.requireSigned));
      const r = execOne(loadSysApi(), storage, cmd);
      emit(r);
      return report('exec', [r]);
    }
    case 'unpatch': {
      const ctx: RunContext = { sys: loadSysApi(), all: cmd.pid === 'all', elfCache: new Map(), ehCache: new Map() };
      return report('unpatch', forEachTarget(ctx, cmd.pid, (pid, cmdline) => unpatchOne(ctx, cmd, pid, cmdline), emit));
    }
  }
}

/**
 * Text mode prints each process as it is done; errors and warnings go to stderr. exec prints
 * everything on stderr: its stdout is the started program's.
 */
function textEmitter(cmd: Command): (r: ProcessReport) => void {
  const out = cmd.kind === 'exec' ? process.stderr : process.stdout;
  return (r) => {
    const failedLine = cmd.kind === 'patch' || cmd.kind === 'exec' ? `Failed to apply patch '${cmd.storage}'` : `Failed to cancel patches for ${r.pid}`;
    const verbose = cmd.kind === 'help' ? 0 : cmd.verbose;
    for (const line of textLines(r, verbose, failedLine)) out.write(`${line}\n`);
    if (r.kind === 'listed') process.stdout.write(formatInfo(r.pid, r.objects.map((o) => ({ name: o.name, buildId: o.build_id, ids: o.ids }))));
    if (r.kind === 'applied' || r.kind === 'removed' || r.kind === 'listed') for (const w of r.warnings) process.stderr.write(`${TOOL}: warning: ${w}\n`);
    if (r.kind === 'failed') process.stderr.write(`${TOOL}: error ${r.error.code}: ${r.error.message}${r.error.hint ? `\n${TOOL}: hint: ${r.error.hint}` : ''}\n`);
  };
}

function main(argv: string[]): number {
  // Storage hooks and the program of `exec` get the user's NODE_EXTRA_CA_CERTS back (see bin/).
  restoreParkedEnvironment();
  const json = wantsJson(argv);
  let result: RunReport;
  let command: RunReport['command'] = 'unknown';
  try {
    const cmd = parseArgs(argv);
    command = cmd.kind;
    if (cmd.kind === 'help' && !json) process.stdout.write(`${USAGE}\n`);
    result = run(cmd, json ? () => undefined : textEmitter(cmd));
  } catch (e) {
    if (!json) process.stderr.write(`${formatError(TOOL, e)}\n`);
    result = { tool: TOOL, command, ok: false, processes: [], error: errorReport(e) };
  }
  if (json) (command === 'exec' ? process.stderr : process.stdout).write(`${JSON.stringify(result, null, 2)}\n`);
  return result.ok && !result.error ? 0 : 255;
}

process.exitCode = main(process.argv.slice(2));
