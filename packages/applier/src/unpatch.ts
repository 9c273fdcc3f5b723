/** `tscare-ctl unpatch`: remove an applied patch by id, using only what the target's memory holds. */
import { TscareError } from '@tscare/errors';
import { readAppliedInfo, type AppliedPatch } from './applied.js';
import { buildIdKey, type ElfCache } from './objects.js';
import { DEFAULT_RETRY, runFrozenWhenSafe, type RetryPolicy } from './safe-freeze.js';
import type { CodeRange } from './safety.js';
import type { SysApi } from './sys.js';
import { ownerOf, snapshotTarget, type TargetSnapshot } from './target.js';
import { jumpBytes, revertFrozen } from './write-patch.js';
import { stubSite, withOneThread } from './one-thread.js';
import { STUB_SIZE } from './remote-exec.js';
import { unmapPatch } from './stage-patch.js';
import { buildUnwindTables, type EhFrameCache, type PatchCode } from './unwind.js';
import { directCallReturns } from './call-sites.js';
import type { KpatchInfoEntry } from '@tscare/kpatch';

export interface UnpatchRequest {
  pid: number;
  id: string;
  /** Optional build ids or object names to restrict to. */
  only?: string[];
  retry?: RetryPolicy;
  elfCache?: ElfCache;
  ehCache?: EhFrameCache;
}

export type UnpatchOutcome = { kind: 'removed'; objects: number; frozenUs: number; attempts: number; warnings: string[]; notes: string[] };

interface Removal {
  patch: AppliedPatch;
  info: KpatchInfoEntry[];
  names: string[];
}

function readName(snap: TargetSnapshot, addr: number): string {
  try {
    const raw = snap.mem.read(addr, 256);
    const end = raw.indexOf(0);
    return raw.toString('latin1', 0, end < 0 ? raw.length : end).replace(/\.kpatch$/, '');
  } catch {
    return `function at 0x${addr.toString(16)}`;
  }
}

/** A newer patch that jumped from the same function would be cut off: refuse instead of breaking it. */
function checkStillOurs(snap: TargetSnapshot, r: Removal): void {
  r.info.forEach((e, i) => {
    if (e.daddr === 0 && e.dlen === 0) return;
    if (!snap.mem.read(e.daddr, 5).equals(jumpBytes(e.daddr, e.saddr))) {
      throw new TscareError('PATCH_STACKED', `${r.names[i]} at 0x${e.daddr.toString(16)} no longer jumps to patch ${r.patch.header.id} in pid ${snap.pid}: a later patch replaced it`, {
        hint: 'unpatch the later patches first (reverse order of application)',
      });
    }
  });
}

function selectRemovals(snap: TargetSnapshot, req: UnpatchRequest): Removal[] {
  const out: Removal[] = [];
  for (const patch of snap.applied) {
    const owner = ownerOf(snap, patch);
    if (patch.header.id !== req.id || !owner) continue;
    if (req.only && req.only.length > 0 && !req.only.some((n) => n === owner.name || n === buildIdKey(owner.buildId))) continue;
    if (out.some((r) => ownerOf(snap, r.patch) === owner)) continue;
    const info = readAppliedInfo(snap.mem, patch);
    out.push({ patch, info, names: info.map((e) => readName(snap, e.symstr)) });
  }
  return out;
}

/** The patch's mapping and the call sites that lead into it, for unwinding through its code. */
function patchCode(snap: TargetSnapshot, r: Removal): PatchCode {
  const owner = ownerOf(snap, r.patch);
  const replaced = r.info.filter((e) => !(e.daddr === 0 && e.dlen === 0)).map((e) => e.daddr);
  return { start: r.patch.base, end: r.patch.base + r.patch.header.kpatch_total_mem_sz, returns: owner ? directCallReturns(owner, replaced) : new Set() };
}

/** munmap of each removed patch, with one thread stopped; a failure leaves a harmless unused mapping. */
function unmapRemoved(sys: SysApi, snap: TargetSnapshot, removals: readonly Removal[]): string[] {
  const warnings: string[] = [];
  withOneThread(sys, snap.pid, (thread) => {
    const rc = { sys, mem: snap.mem, thread, stubAddr: stubSite(snap.objects, STUB_SIZE) };
    for (const r of removals) {
      try {
        unmapPatch(rc, r.patch.base, r.patch.header.kpatch_total_mem_sz);
      } catch (e) {
        warnings.push(`patch ${r.patch.header.id} was removed but its memory at 0x${r.patch.base.toString(16)} could not be unmapped: ${(e as Error).message}`);
      }
    }
  });
  return warnings;
}

export function unpatchProcess(sys: SysApi, req: UnpatchRequest): UnpatchOutcome {
  const snap = snapshotTarget(req.pid, true, req.elfCache);
  try {
    const removals = selectRemovals(snap, req);
    if (removals.length === 0) {
      throw new TscareError('PATCH_NOT_APPLIED', `no patch with id ${req.id} is applied to pid ${req.pid}`, {
        hint: `see what is applied with: tscare-ctl info -p ${req.pid}`,
      });
    }
    removals.forEach((r) => checkStillOurs(snap, r));
    // New code (and anything in the mapping, e.g. a trampoline) must not be running or returned into.
    const ranges: CodeRange[] = removals.flatMap((r) => [
      ...r.info.map((e, i) => ({ start: e.saddr, end: e.saddr + e.slen, name: `${r.names[i]} (patch ${req.id})` })),
      { start: r.patch.base, end: r.patch.base + r.patch.header.kpatch_total_mem_sz, name: `patch ${req.id} mapping` },
    ]);
    const tables = buildUnwindTables(snap.objects, req.ehCache);
    tables.patchCode = removals.map((r) => patchCode(snap, r));
    const writes = removals.flatMap((r) => r.info.filter((e) => !(e.daddr === 0 && e.dlen === 0)).map((e) => e.daddr));
    const ctx = { sys, pid: req.pid, mem: snap.mem, vmas: snap.vmas, tables, writes };
    const run = runFrozenWhenSafe(ctx, ranges, req.retry ?? DEFAULT_RETRY, () => {
      for (const r of removals) {
        checkStillOurs(snap, r);
        revertFrozen(snap.mem, r.patch.base, r.patch.header.user_undo, r.info);
      }
    });
    // No thread is in the patch and no jump leads there any more: unmapping can wait for the thaw.
    const warnings = unmapRemoved(sys, snap, removals);
    return { kind: 'removed', objects: removals.length, frozenUs: run.frozenUs, attempts: run.attempts, warnings, notes: run.notes };
  } finally {
    snap.mem.close();
  }
}
