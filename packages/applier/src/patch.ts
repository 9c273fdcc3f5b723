/** `tscare-ctl patch`: apply the patches from a file or storage directory to one process. */
import { isTscareError, TscareError } from '@tscare/errors';
import { buildIdKey, type ElfCache, type MappedObject } from './objects.js';
import { findExecutable, lookupOrder } from './load-order.js';
import { ifuncsNeeded, planPatch, plannedVma, type PatchPlan } from './plan.js';
import { remoteCall, STUB_SIZE, type RemoteContext } from './remote-exec.js';
import { DEFAULT_RETRY, runFrozenWhenSafe, type RetryPolicy } from './safe-freeze.js';
import { runBeforeHook, runHook } from './storage-hooks.js';
import { lookupPatch, openStorage, type FoundPatch, type Storage } from './storage.js';
import { makeResolver, type SymbolResolver } from './symbol-resolver.js';
import type { SysApi } from './sys.js';
import { ownerOf, probeSnapshot, type TargetSnapshot } from './target.js';
import { cleanSnapshot } from './leftovers.js';
import { faultPoint } from './fault.js';
import { checkNotTraced, explainLost } from './process-state.js';
import { commitFrozen } from './write-patch.js';
import { buildUnwindTables, type EhFrameCache, type UnwindTables } from './unwind.js';
import { frameBlockOf, isRegistered, registerFrames, type FrameBlock, type RegistrationOutcome } from './frame-registration.js';
import { MAGIC_RETIRED } from './applied.js';
import type { FrozenThread } from './threads.js';
import { stubSite, withOneThread } from './one-thread.js';
import { stagePatch, unmapPatch } from './stage-patch.js';

/** What was mapped where, for `-v`. */
export interface AppliedSummary {
  object: string;
  id: string;
  base: number;
  size: number;
  functions: string[];
}

export type PatchOutcome =
  | { kind: 'applied'; objects: number; frozenUs: number; attempts: number; patches: AppliedSummary[]; warnings: string[]; notes: string[] }
  | { kind: 'nothing-to-apply' };

export interface PatchRequest {
  pid: number;
  /** A path, or storage already opened (and so verified) by the caller. */
  storage: string | Storage;
  retry?: RetryPolicy;
  /** Shared by the processes of one `-p all` run, so each file is parsed once. */
  elfCache?: ElfCache;
  ehCache?: EhFrameCache;
}

/**
 * Objects of the process paired with the patch still to apply to them. A single file that
 * fits nothing, or that is already applied, is an error.
 */
function pairPatches(snap: TargetSnapshot, storage: Storage): { object: MappedObject; found: FoundPatch }[] {
  const pairs: { object: MappedObject; found: FoundPatch }[] = [];
  const seen = new Set<string>();
  for (const object of snap.objects) {
    const key = buildIdKey(object.buildId);
    if (key === '' || seen.has(key)) continue;
    seen.add(key);
    const found = lookupPatch(storage, object.buildId);
    if (found) pairs.push({ object, found });
  }
  if (pairs.length === 0 && storage.kind === 'file') {
    const exe = findExecutable(snap.pid, snap.objects);
    const ids = snap.objects.filter((o) => o.buildId !== '').map((o) => `${o.name}=${buildIdKey(o.buildId)}`);
    throw new TscareError('PATCH_BUILDID_MISMATCH',
      `${storage.path} is for build id ${storage.patch.kp.header.buildid}, but no object of pid ${snap.pid} has it (executable ${exe ? `${exe.name} has ${buildIdKey(exe.buildId) || 'no build id'}` : 'unknown'}; objects: ${ids.join(', ')})`,
      { hint: 'build the patch against the binary that is running (same build id); the process was not touched' });
  }
  return pairs.filter(({ object, found }) => {
    const dup = snap.applied.find((a) => a.header.id === found.kp.header.id && ownerOf(snap, a) === object);
    if (dup === undefined) return true;
    // Storage directories are applied again and again (-p all, at boot, after each package
    // install): what is already there is done, not an error. A file named by hand is.
    if (storage.kind === 'dir') return false;
    throw new TscareError('PATCH_ALREADY_APPLIED', `patch ${found.kp.header.id} is already applied to ${object.name} in pid ${snap.pid} (at 0x${dup.base.toString(16)})`, {
      hint: `unpatch it first: tscare-ctl unpatch -p ${snap.pid} -i ${found.kp.header.id}`,
    });
  });
}

/** Runs the IFUNC resolvers the patches need, in one stopped thread while the others go on. */
function resolveIfuncs(sys: SysApi, snap: TargetSnapshot, pairs: { object: MappedObject; found: FoundPatch }[], resolver: SymbolResolver): Map<number, number> {
  const out = new Map<number, number>();
  const needed = pairs.flatMap((p) => ifuncsNeeded(p.found.kp, resolver));
  if (needed.length === 0) return out;
  withOneThread(sys, snap.pid, (thread) => {
    const rc = remoteContext(sys, snap, thread);
    for (const r of needed) if (!out.has(r.address)) out.set(r.address, remoteCall(rc, r.address));
  });
  return out;
}

function planAll(sys: SysApi, snap: TargetSnapshot, pairs: { object: MappedObject; found: FoundPatch }[], resolver: SymbolResolver): PatchPlan[] {
  const ifuncResults = resolveIfuncs(sys, snap, pairs, resolver);
  const vmas = [...snap.vmas];
  return pairs.map(({ object, found }) => {
    const plan = planPatch({ object, kp: found.kp, level: found.level, vmas, resolver, ifuncResults });
    vmas.push(plannedVma(plan));
    return plan;
  });
}

function remoteContext(sys: SysApi, snap: TargetSnapshot, thread: FrozenThread): RemoteContext {
  return { sys, mem: snap.mem, thread, stubAddr: stubSite(snap.objects, STUB_SIZE) };
}

/** With one thread stopped (the others run): every patch mapped and filled, not yet visible. */
function stageAll(sys: SysApi, snap: TargetSnapshot, plans: readonly PatchPlan[]): Buffer[][] {
  return withOneThread(sys, snap.pid, (thread) => {
    faultPoint('patch:attached');
    const rc = remoteContext(sys, snap, thread);
    const staged: Buffer[][] = [];
    try {
      for (const plan of plans) staged.push(stagePatch(rc, plan));
    } catch (e) {
      plans.slice(0, staged.length).forEach((p) => unmapPatch(rc, p.linked.base, p.linked.layout.totalMemSize));
      throw e;
    }
    return staged;
  });
}

/**
 * Undoes the staging of a patch that was not committed: unmapped, unless the C++ unwinder has
 * its frames (then it stays, marked retired, unused: the unwinder may read it at any time).
 */
function unstageAll(sys: SysApi, snap: TargetSnapshot, plans: readonly PatchPlan[], registered: readonly FrameBlock[]): void {
  const kept = new Set(registered.map((b) => b.mapping));
  for (const p of plans) if (kept.has(p.linked.base)) snap.mem.write(p.linked.base, MAGIC_RETIRED);
  const unmapped = plans.filter((p) => !kept.has(p.linked.base));
  if (unmapped.length === 0) return;
  withOneThread(sys, snap.pid, (thread) => {
    const rc = remoteContext(sys, snap, thread);
    unmapped.forEach((p) => unmapPatch(rc, p.linked.base, p.linked.layout.totalMemSize));
  });
}

/**
 * Before the freeze, with every patch staged: the new code's call-frame information goes to
 * the process's C++ unwinder (frame-registration.ts), and each mapping it took is marked
 * retired until the commit marks it applied, so that nothing ever unmaps it. A failure here
 * is a warning: the patch goes on without registered frames.
 */
function registerAll(sys: SysApi, snap: TargetSnapshot, plans: readonly PatchPlan[], resolver: SymbolResolver, tables: UnwindTables): RegistrationOutcome {
  const blocks = plans.map(frameBlockOf).filter((b): b is FrameBlock => b !== undefined);
  try {
    const out = registerFrames({ sys, pid: snap.pid, mem: snap.mem, objects: snap.objects, resolver, tables }, blocks);
    for (const b of out.registered) snap.mem.write(b.mapping, MAGIC_RETIRED);
    return out;
  } catch (e) {
    if (isTscareError(e) && e.code === 'REMOTE_EXEC_DIED') throw e;
    const registered = blocks.filter((b) => isRegistered(snap.mem, b));
    for (const b of registered) snap.mem.write(b.mapping, MAGIC_RETIRED);
    return { notes: [], registered, warnings: [`call-frame information could not be registered (${(e as Error).message}); a C++ exception thrown through the new code will end the process`] };
  }
}

export function patchProcess(sys: SysApi, req: PatchRequest): PatchOutcome {
  const storage = typeof req.storage === 'string' ? openStorage(req.storage) : req.storage;
  const { snap, warnings: recovered } = cleanSnapshot(sys, req.pid, req);
  try {
    const pairs = pairPatches(snap, storage);
    if (pairs.length === 0) return { kind: 'nothing-to-apply' };
    checkNotTraced(req.pid);
    const resolver = makeResolver(lookupOrder(snap.mem, snap.objects, findExecutable(snap.pid, snap.objects)));
    const plans = planAll(sys, snap, pairs, resolver);
    // Run outside the freeze: an external script must not add to the time the process is stopped.
    runBeforeHook(storage, req.pid);
    const staged = stageAll(sys, snap, plans);
    faultPoint('patch:staged');
    const tables = buildUnwindTables(snap.objects, req.ehCache);
    const frames = registerAll(sys, snap, plans, resolver, tables);
    let run;
    try {
      const writes = plans.flatMap((p) => p.oldRanges.map((r) => r.start));
      const ctx = { sys, pid: req.pid, mem: snap.mem, vmas: snap.vmas, tables, writes };
      run = runFrozenWhenSafe(ctx, plans.flatMap((p) => p.oldRanges), req.retry ?? DEFAULT_RETRY,
        (_frozen, mem) => {
          faultPoint('patch:frozen');
          plans.forEach((plan, i) => commitFrozen(mem, plan, staged[i]));
        });
    } catch (e) {
      unstageAll(sys, snap, plans, frames.registered);
      throw e;
    }
    const patches = plans.map((p) => ({
      object: p.object.path, id: p.kp.header.id, base: p.linked.base, size: p.linked.layout.totalMemSize, functions: p.oldRanges.map((r) => r.name),
    }));
    const after = runHook(storage, 'after', req.pid);
    const warnings = [...recovered, ...frames.warnings, ...(after.kind === 'failed' ? [after.message] : [])];
    return { kind: 'applied', objects: plans.length, frozenUs: run.frozenUs, attempts: run.attempts, patches, warnings, notes: [...run.notes, ...frames.notes] };
  } catch (e) {
    throw explainLost(req.pid, 'patched', () => probeSnapshot(snap), e);
  } finally {
    snap.mem.close();
  }
}
