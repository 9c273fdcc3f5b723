/** `tscare-ctl unpatch`: remove an applied patch by id, using only what the target's memory holds. */
import { TscareError } from '@tscare/errors';
import { buildIdKey, type ElfCache } from './objects.js';
import type { RetryPolicy } from './safe-freeze.js';
import type { SysApi } from './sys.js';
import { ownerOf, probeSnapshot, type TargetSnapshot } from './target.js';
import type { EhFrameCache } from './unwind.js';
import { cleanSnapshot } from './leftovers.js';
import { checkNotTraced, explainLost } from './process-state.js';
import { checkStillOurs, removalOf, removeFrozen, type Removal } from './remove-patch.js';
import { currentEntries } from './write-patch.js';

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

function selectRemovals(snap: TargetSnapshot, req: UnpatchRequest): Removal[] {
  const out: Removal[] = [];
  for (const patch of snap.applied) {
    const owner = ownerOf(snap, patch);
    if (patch.header.id !== req.id || !owner) continue;
    if (req.only && req.only.length > 0 && !req.only.some((n) => n === owner.name || n === buildIdKey(owner.buildId))) continue;
    if (out.some((r) => ownerOf(snap, r.patch) === owner)) continue;
    out.push(removalOf(snap, patch));
  }
  return out;
}

export function unpatchProcess(sys: SysApi, req: UnpatchRequest): UnpatchOutcome {
  const { snap, cleared, warnings: recovered } = cleanSnapshot(sys, req.pid, req);
  try {
    const removals = selectRemovals(snap, req);
    // An unpatch of this id that was killed half way has just been finished by the clean-up.
    const finished = cleared.filter((l) => l.header.id === req.id).length;
    if (removals.length === 0 && finished > 0) return { kind: 'removed', objects: finished, frozenUs: 0, attempts: 0, warnings: recovered, notes: [] };
    if (removals.length === 0) {
      throw new TscareError('PATCH_NOT_APPLIED', `no patch with id ${req.id} is applied to pid ${req.pid}`, {
        hint: `see what is applied with: tscare-ctl info -p ${req.pid}`,
      });
    }
    checkNotTraced(req.pid);
    removals.forEach((r) => checkStillOurs(snap.pid, r, currentEntries(snap.mem, r.info)));
    const run = removeFrozen(sys, snap, removals, { retry: req.retry, ehCache: req.ehCache, complete: true });
    return { kind: 'removed', objects: removals.length, ...run, warnings: [...recovered, ...run.warnings] };
  } catch (e) {
    throw explainLost(req.pid, 'unpatched', () => probeSnapshot(snap), e);
  } finally {
    snap.mem.close();
  }
}
