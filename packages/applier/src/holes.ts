/**
 * Choosing where to map a patch: a free, page-aligned range whose every byte can reach,
 * and be reached from, every byte of the patched object with a rel32 (±2 GiB).
 */
import { TscareError } from '@tscare/errors';
import type { Vma } from './proc-maps.js';

export const PAGE = 4096;
/** rel32 reach on x86_64. */
export const JUMP_RANGE = 0x80000000;
/** Lowest address we consider (vm.mmap_min_addr is usually at most 64 KiB). */
const LOW_LIMIT = 0x10000;
/** End of the user half of the 47-bit address space. */
const HIGH_LIMIT = 0x7ffffffff000;

export interface Range {
  start: number;
  end: number;
}

/** Free ranges between mappings, each already shrunk by one guard page on both sides. */
export function freeRanges(vmas: readonly Vma[]): Range[] {
  const sorted = [...vmas].filter((v) => v.start < HIGH_LIMIT).sort((a, b) => a.start - b.start);
  const out: Range[] = [];
  let prevEnd = LOW_LIMIT - PAGE;
  for (const v of sorted) {
    if (v.start - prevEnd > 2 * PAGE) out.push({ start: prevEnd + PAGE, end: v.start - PAGE });
    prevEnd = Math.max(prevEnd, v.end);
  }
  if (HIGH_LIMIT - prevEnd > 2 * PAGE) out.push({ start: prevEnd + PAGE, end: HIGH_LIMIT - PAGE });
  return out;
}

/**
 * The candidate nearest to the object: right after it when there is room, else right before.
 * The whole span [min(start), max(end)) of object and patch must stay under JUMP_RANGE.
 */
export function findHole(vmas: readonly Vma[], object: Range, size: number, what: string): number {
  let best: { addr: number; distance: number } | undefined;
  for (const r of freeRanges(vmas)) {
    if (r.end - r.start < size) continue;
    const addr = r.start >= object.end ? r.start : r.end <= object.start ? r.end - size : undefined;
    if (addr === undefined) continue;
    const span = Math.max(object.end, addr + size) - Math.min(object.start, addr);
    if (span >= JUMP_RANGE) continue;
    // Ties go to the right side, as in LibcarePlus.
    const distance = addr >= object.end ? addr - object.end : object.start - (addr + size) + 0.5;
    if (!best || distance < best.distance) best = { addr, distance };
  }
  if (!best) {
    throw new TscareError('NO_HOLE_IN_RANGE', `no free ${size}-byte range within ±2 GiB of ${what}`, {
      hint: 'the address space around the object is full; nothing was changed',
    });
  }
  return best.addr;
}
