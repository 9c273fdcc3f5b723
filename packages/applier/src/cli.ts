#!/usr/bin/env node
/** tscare-ctl: the only place that prints and chooses exit codes (0, or 255 as libcare-ctl). */
import { formatError, isTscareError } from '@tscare/errors';
import { parseArgs, USAGE, type Command } from './cli-args.js';
import { formatInfo, listApplied } from './info.js';
import type { ElfCache } from './objects.js';
import { patchProcess } from './patch.js';
import { listProcesses } from './processes.js';
import { openStorage, type Storage } from './storage.js';
import { loadSysApi, type SysApi } from './sys.js';
import { checkPid, escapedCmdline } from './target.js';
import { unpatchProcess } from './unpatch.js';

const TOOL = 'tscare-ctl';

interface RunContext {
  sys: SysApi;
  /** `-p all`: a process without a matching object is not an error. */
  all: boolean;
  elfCache: ElfCache;
}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

function header(pid: number): void {
  checkPid(pid);
  out(`kpatch_ctl targeting pid ${pid}`);
  out(`kpatch_ctl cmdline="${escapedCmdline(pid)}"`);
}

function isCode(e: unknown, code: string): boolean {
  return isTscareError(e) && e.code === code;
}

function patchOne(ctx: RunContext, cmd: Extract<Command, { kind: 'patch' }>, storage: Storage, pid: number): void {
  header(pid);
  try {
    const r = patchProcess(ctx.sys, { pid, storage, elfCache: ctx.elfCache });
    if (r.kind === 'nothing-to-apply') {
      out(`No patch(es) applicable to PID '${pid}' have been found`);
      return;
    }
    if (cmd.verbose > 0) {
      for (const p of r.patches) {
        out(`patch ${p.id} for ${p.object} mapped at 0x${p.base.toString(16)} (${p.size} bytes), replacing: ${p.functions.join(', ') || '(new functions only)'}`);
      }
      out(`safety check passed after ${r.attempts} attempt(s)`);
    }
    for (const w of r.warnings) process.stderr.write(`${TOOL}: warning: ${w}\n`);
    out(`PID '${pid}' process patch frozen_time is ${r.frozenUs} microsecond`);
    out(`${r.objects} patch hunk(s) have been successfully applied to PID '${pid}'`);
  } catch (e) {
    if (ctx.all && isCode(e, 'PATCH_BUILDID_MISMATCH')) {
      out(`No patch(es) applicable to PID '${pid}' have been found`);
      return;
    }
    out(`Failed to apply patch '${cmd.storage}'`);
    throw e;
  }
}

function unpatchOne(ctx: RunContext, cmd: Extract<Command, { kind: 'unpatch' }>, pid: number): void {
  header(pid);
  try {
    const r = unpatchProcess(ctx.sys, { pid, id: cmd.id, only: cmd.only, elfCache: ctx.elfCache });
    out(`PID '${pid}' process patch frozen_time is ${r.frozenUs} microsecond`);
    out(`${r.objects} patch hunk(s) were successfully cancelled from PID '${pid}'`);
  } catch (e) {
    if (ctx.all && isCode(e, 'PATCH_NOT_APPLIED')) {
      out(`No patch(es) cancellable from PID '${pid}' were found`);
      return;
    }
    out(`Failed to cancel patches for ${pid}`);
    throw e;
  }
}

/** One pid: errors go up. `all`: each process on its own; vanished ones are skipped; any failure gives 255. */
function forEachTarget(ctx: RunContext, pid: number | 'all', action: (pid: number) => void): number {
  if (pid !== 'all') {
    action(pid);
    return 0;
  }
  let status = 0;
  for (const p of listProcesses()) {
    try {
      action(p);
    } catch (e) {
      if (isCode(e, 'PROCESS_NOT_FOUND')) continue;
      process.stderr.write(`${formatError(TOOL, e)}\n`);
      status = 255;
    }
  }
  return status;
}

function run(cmd: Command): number {
  switch (cmd.kind) {
    case 'help':
      out(USAGE);
      return 0;
    case 'info':
      process.stdout.write(formatInfo(cmd.pid, listApplied(cmd.pid)));
      return 0;
    case 'patch': {
      // The patch file is read and verified completely before any process is looked at.
      const storage = openStorage(cmd.storage);
      const ctx: RunContext = { sys: loadSysApi(), all: cmd.pid === 'all', elfCache: new Map() };
      return forEachTarget(ctx, cmd.pid, (pid) => patchOne(ctx, cmd, storage, pid));
    }
    case 'unpatch': {
      const ctx: RunContext = { sys: loadSysApi(), all: cmd.pid === 'all', elfCache: new Map() };
      return forEachTarget(ctx, cmd.pid, (pid) => unpatchOne(ctx, cmd, pid));
    }
  }
}

function main(argv: string[]): number {
  try {
    return run(parseArgs(argv));
  } catch (e) {
    process.stderr.write(`${formatError(TOOL, e)}\n`);
    return 255;
  }
}

process.exitCode = main(process.argv.slice(2));
