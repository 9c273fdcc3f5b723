/**
 * Patches already applied to a process, found the way LibcarePlus finds them: an anonymous
 * r-x mapping that starts with "KPATCH1\0" holds the header (with the run-time offsets) of
 * one applied patch. Nothing else records applied patches.
 *
 * The first 8 bytes are also tscare's commit marker. A mapping being prepared says
 * "KPATCHs\0" (staged: no jump leads into it); while jumps are being written or removed it
 * says "KPATCHp\0" (pending: some may); only a complete patch says "KPATCH1\0". A removed
 * patch says "KPATCHr\0" (retired): no jump leads into it any more, but it stays mapped,
 * since the process may still hold pointers into it (a string the new code returned, the
 * address of a new variable). None of these markers is LibcarePlus's "KPATCH1", so no tool
 * takes a leftover or a retired patch for an applied one.
 */
import { decodeKpatchHeader, KPATCH_HEADER_SIZE, KPATCH_INFO_ENTRY_SIZE, decodeInfoEntries, type KpatchHeader, type KpatchInfoEntry } from '@tscare/kpatch';
import type { Vma } from './proc-maps.js';
import type { ProcMem } from './proc-mem.js';

export interface AppliedPatch {
  /** Start of the patch mapping ("kpta"). */
  base: number;
  header: KpatchHeader;
}

export const MAGIC_SIZE = 8;
export const MAGIC_APPLIED = Buffer.from('KPATCH1\0', 'latin1');
export const MAGIC_PENDING = Buffer.from('KPATCHp\0', 'latin1');
export const MAGIC_STAGED = Buffer.from('KPATCHs\0', 'latin1');
export const MAGIC_RETIRED = Buffer.from('KPATCHr\0', 'latin1');

/** What an interrupted tscare-ctl run left in the target (see the header comment). */
export interface Leftover {
  kind: 'staged' | 'pending';
  base: number;
  header: KpatchHeader;
}
/** A bound on the info table we are willing to walk in target memory. */
const MAX_INFO_ENTRIES = 100000;

export interface PatchMappings {
  applied: AppliedPatch[];
  leftovers: Leftover[];
}

/** True when [base, base+size) is covered by anonymous mappings only (so unmapping it frees nothing else). */
function anonymousRange(vmas: readonly Vma[], base: number, size: number): boolean {
  let at = base;
  for (const v of vmas) {
    if (v.end <= at || v.start > at) continue;
    if (v.inode !== 0 || v.name !== '') return false;
    at = v.end;
    if (at >= base + size) return true;
  }
  return false;
}

export function findPatchMappings(vmas: readonly Vma[], mem: ProcMem, pid: number): PatchMappings {
  const out: PatchMappings = { applied: [], leftovers: [] };
  for (const v of vmas) {
    // A leftover may still be rw- (killed before mprotect); an applied patch is always r-x.
    const perms = v.perms.slice(0, 3);
    if ((perms !== 'r-x' && perms !== 'rw-') || v.inode !== 0 || v.name !== '' || v.end - v.start < KPATCH_HEADER_SIZE) continue;
    let head: Buffer;
    try {
      head = mem.read(v.start, KPATCH_HEADER_SIZE);
    } catch {
      continue;
    }
    const magic = head.subarray(0, MAGIC_SIZE);
    const where = `pid ${pid} memory at 0x${v.start.toString(16)}`;
    if (magic.equals(MAGIC_APPLIED) && perms === 'r-x') {
      out.applied.push({ base: v.start, header: decodeKpatchHeader(head, where) });
    } else if (magic.equals(MAGIC_PENDING) || magic.equals(MAGIC_STAGED)) {
      const header = decodeKpatchHeader(head, where);
      if (!anonymousRange(vmas, v.start, header.kpatch_total_mem_sz)) continue;
      out.leftovers.push({ kind: magic.equals(MAGIC_PENDING) ? 'pending' : 'staged', base: v.start, header });
    }
  }
  return out;
}

/** Reads the relocated info table of an applied patch up to its all-zero terminator. */
export function readAppliedInfo(mem: ProcMem, patch: AppliedPatch): KpatchInfoEntry[] {
  const out: KpatchInfoEntry[] = [];
  let addr = patch.base + patch.header.user_info;
  for (let i = 0; i < MAX_INFO_ENTRIES; i++, addr += KPATCH_INFO_ENTRY_SIZE) {
    // The terminator may be only 24 bytes long, so test those before reading a full entry.
    const head = mem.read(addr, 24);
    if (head.every((b) => b === 0)) break;
    out.push(decodeInfoEntries(mem.read(addr, KPATCH_INFO_ENTRY_SIZE))[0]);
  }
  return out;
}
