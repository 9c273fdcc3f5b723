/**
 * Taking patches out of a process: the jumps are removed in one freeze once no thread is in
 * or will return into the patch's code. The mapping is then retired, not unmapped: the
 * process may still hold a pointer into it (a string or a new variable the new code handed
 * out; seen live: a thread run forward out of the new code returned its string constant,
 * and unmapping it made the caller's printf fault). Used by `unpatch` and to roll back what
 * a killed tscare-ctl left pending (`leftovers.ts`).
 */
import { TscareError } from '@tscare/errors';
import { readAppliedInfo, type AppliedPatch } from './applied.js';
import { DEFAULT_RETRY, runFrozenWhenSafe, type RetryPolicy } from './safe-freeze.js';
import type { CodeRange } from './safety.js';
import type { SysApi } from './sys.js';
import { ownerOf, type TargetSnapshot } from './target.js';
import { currentEntries, jumpBytes, revertFrozen } from './write-patch.js';
import { HUNK_SIZE } from './layout.js';
import { faultPoint } from './fault.js';
import { stubSite, withOneThread } from './one-thread.js';
import { STUB_SIZE } from './remote-exec.js';
import { unmapPatch } from './stage-patch.js';
import { buildUnwindTables, type EhFrameCache, type PatchCode } from './unwind.js';
import { directCallReturns } from './call-sites.js';
import type { KpatchInfoEntry } from '@tscare/kpatch';

export interface Removal {
  patch: AppliedPatch;
  info: KpatchInfoEntry[];
  names: string[];
  /** The undo slots (by info index), read before the freeze: only this patch's commit wrote them. */
  undo: Buffer[];
}

export interface RemoveOptions {
  retry?: RetryPolicy;
  ehCache?: EhFrameCache;
  /** Every function must still jump to the patch (false when rolling back an interrupted run). */
  complete: boolean;
}

interface FrozenRemoval {
  frozenUs: number;
  attempts: number;
  warnings: string[];
  notes: string[];
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

/**
 * A newer patch that jumped from the same function would be cut off: refuse instead of
 * breaking it. `current`: each replaced function's first bytes now (currentEntries).
 */
export function checkStillOurs(pid: number, r: Removal, current: readonly (Buffer | undefined)[]): void {
  r.info.forEach((e, i) => {
    const now = current[i];
    if (now !== undefined && !now.equals(jumpBytes(e.daddr, e.saddr))) {
      throw new TscareError('PATCH_STACKED', `${r.names[i]} at 0x${e.daddr.toString(16)} no longer jumps to patch ${r.patch.header.id} in pid ${pid}: a later patch replaced it`, {
        hint: 'unpatch the later patches first (reverse order of application)',
      });
    }
  });
}

export function removalOf(snap: TargetSnapshot, patch: AppliedPatch): Removal {
  const info = readAppliedInfo(snap.mem, patch);
  const undo = info.map((_, i) => snap.mem.read(patch.base + patch.header.user_undo + i * HUNK_SIZE, HUNK_SIZE));
  return { patch, info, names: info.map((e) => readName(snap, e.symstr)), undo };
}

/** The patch's mapping and the call sites that lead into it, for unwinding through its code. */
function patchCode(snap: TargetSnapshot, r: Removal): PatchCode {
  const owner = ownerOf(snap, r.patch);
  const replaced = r.info.filter((e) => !(e.daddr === 0 && e.dlen === 0)).map((e) => e.daddr);
  return { start: r.patch.base, end: r.patch.base + r.patch.header.kpatch_total_mem_sz, returns: owner ? directCallReturns(owner, replaced) : new Set() };
}

/**
 * munmap of each patch no jump ever led into (staged by an interrupted patch run), with one
 * thread stopped; a failure leaves a harmless unused mapping.
 */
export function unmapRemoved(sys: SysApi, snap: TargetSnapshot, removals: readonly Removal[]): string[] {
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

/**
 * Removes the jumps of each patch in one freeze once no thread is in or will return into its
 * code, then unmaps the patches after the thaw. Also rolls back what a killed run left pending.
 */
export function removeFrozen(sys: SysApi, snap: TargetSnapshot, removals: readonly Removal[], opts: RemoveOptions): FrozenRemoval {
  // New code (and anything in the mapping, e.g. a trampoline) must not be running or returned into.
  const ranges: CodeRange[] = removals.flatMap((r) => [
    ...r.info.map((e, i) => ({ start: e.saddr, end: e.saddr + e.slen, name: `${r.names[i]} (patch ${r.patch.header.id})` })),
    { start: r.patch.base, end: r.patch.base + r.patch.header.kpatch_total_mem_sz, name: `patch ${r.patch.header.id} mapping` },
  ]);
  const tables = buildUnwindTables(snap.objects, opts.ehCache);
  tables.patchCode = removals.map((r) => patchCode(snap, r));
  const writes = removals.flatMap((r) => r.info.filter((e) => !(e.daddr === 0 && e.dlen === 0)).map((e) => e.daddr));
  const ctx = { sys, pid: snap.pid, mem: snap.mem, vmas: snap.vmas, tables, writes };
  const run = runFrozenWhenSafe(ctx, ranges, opts.retry ?? DEFAULT_RETRY, (_frozen, mem) => {
    faultPoint('unpatch:frozen');
    for (const r of removals) {
      // Each function's bytes are read once in the freeze: for the check and for the revert.
      const current = currentEntries(mem, r.info);
      if (opts.complete) checkStillOurs(snap.pid, r, current);
      revertFrozen(mem, r.patch.base, r.info, r.undo, current);
    }
  });
  faultPoint('unpatch:thawed');
  return { frozenUs: run.frozenUs, attempts: run.attempts, warnings: [], notes: run.notes };
}

