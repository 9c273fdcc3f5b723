/**
 * Patches already applied to a process, found the way LibcarePlus finds them: an anonymous
 * r-x mapping that starts with "KPATCH1\0" holds the header (with the run-time offsets) of
 * one applied patch. Nothing else records applied patches.
 */
import { decodeKpatchHeader, KPATCH_HEADER_SIZE, KPATCH_INFO_ENTRY_SIZE, decodeInfoEntries, type KpatchHeader, type KpatchInfoEntry } from '@tscare/kpatch';
import type { Vma } from './proc-maps.js';
import type { ProcMem } from './proc-mem.js';

export interface AppliedPatch {
  /** Start of the patch mapping ("kpta"). */
  base: number;
  header: KpatchHeader;
}

const MAGIC = Buffer.from('KPATCH1\0', 'latin1');
/** A bound on the info table we are willing to walk in target memory. */
const MAX_INFO_ENTRIES = 100000;

export function findAppliedPatches(vmas: readonly Vma[], mem: ProcMem, pid: number): AppliedPatch[] {
  const out: AppliedPatch[] = [];
  for (const v of vmas) {
    if (v.perms.slice(0, 3) !== 'r-x' || v.inode !== 0 || v.name !== '' || v.end - v.start < KPATCH_HEADER_SIZE) continue;
    let head: Buffer;
    try {
      head = mem.read(v.start, KPATCH_HEADER_SIZE);
    } catch {
      continue;
    }
    if (!head.subarray(0, 8).equals(MAGIC)) continue;
    out.push({ base: v.start, header: decodeKpatchHeader(head, `pid ${pid} memory at 0x${v.start.toString(16)}`) });
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
