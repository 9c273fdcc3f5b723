/**
 * What a tscare-ctl killed mid-way (SIGKILL, OOM killer, power cut of the operator's
 * session) leaves in a target, and how the next run clears it before doing anything else.
 * A tracer's death resumes its tracees, so the target keeps running meanwhile:
 * - "staged": a mapping no jump ever led into (killed before a patch's commit). Unused and
 *   never executed: unmapped.
 * - "pending": killed while jumps were being written or removed, so some functions may
 *   jump into the patch and others not. Rolled back to unpatched: the jumps still there are
 *   removed in a freeze (with the same safety check as unpatch), and it is retired, like
 *   any removed patch (remove-patch.ts).
 * Rolling back rather than finishing needs no patch file, so `unpatch` and `info` can do it.
 */
import type { Leftover } from './applied.js';
import type { ElfCache } from './objects.js';
import type { RetryPolicy } from './safe-freeze.js';
import type { SysApi } from './sys.js';
import { snapshotTarget, type TargetSnapshot } from './target.js';
import type { EhFrameCache } from './unwind.js';
import { removalOf, removeFrozen, unmapRemoved } from './remove-patch.js';

export interface CleanOptions {
  retry?: RetryPolicy;
  elfCache?: ElfCache;
  ehCache?: EhFrameCache;
}

export interface CleanSnapshot {
  snap: TargetSnapshot;
  /** What was cleared (empty when the process was clean). */
  cleared: Leftover[];
  /** One line per leftover cleared, for the user: a previous run was interrupted. */
  warnings: string[];
}

/** For `info`: what a leftover is and what the next run does with it. */
export function describeLeftover(pid: number, l: Leftover): string {
  const at = `patch ${l.header.id} (${l.header.buildid}) at 0x${l.base.toString(16)} in pid ${pid}`;
  return l.kind === 'staged'
    ? `${at} was staged by a tscare-ctl that did not finish (no function jumps to it; it is not applied); the next patch or unpatch unmaps it`
    : `${at} was interrupted while its jumps were written or removed (some functions may jump to it); the next patch or unpatch rolls it back`;
}

function clearLeftovers(sys: SysApi, snap: TargetSnapshot, opts: CleanOptions): string[] {
  const pending = snap.leftovers.filter((l) => l.kind === 'pending').map((l) => removalOf(snap, l));
  const staged = snap.leftovers.filter((l) => l.kind === 'staged').map((l) => removalOf(snap, l));
  const warnings: string[] = [];
  if (pending.length > 0) warnings.push(...removeFrozen(sys, snap, pending, { ...opts, complete: false }).warnings);
  if (staged.length > 0) warnings.push(...unmapRemoved(sys, snap, staged));
  const what = (l: Leftover): string => (l.kind === 'pending' ? 'rolled back' : 'unmapped');
  return [
    ...snap.leftovers.map((l) => `patch ${l.header.id} at 0x${l.base.toString(16)} in pid ${snap.pid} was left ${l.kind} by an interrupted tscare-ctl: ${what(l)}`),
    ...warnings,
  ];
}

/** A snapshot of the target after clearing any leftover (taken again when something was cleared). */
export function cleanSnapshot(sys: SysApi, pid: number, opts: CleanOptions): CleanSnapshot {
  const snap = snapshotTarget(pid, true, opts.elfCache);
  if (snap.leftovers.length === 0) return { snap, cleared: [], warnings: [] };
  let warnings: string[];
  try {
    warnings = clearLeftovers(sys, snap, opts);
  } finally {
    snap.mem.close();
  }
  return { snap: snapshotTarget(pid, true, opts.elfCache), cleared: snap.leftovers, warnings };
}
