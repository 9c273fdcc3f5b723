/**
 * Is a stopped thread executing, or about to return into, code we are about to change?
 * Each thread's stack is read in one call and unwound locally with DWARF call-frame
 * information; every frame's pc is checked. When a frame cannot be unwound, the whole live
 * stack is scanned conservatively for words that look like return addresses into the ranges
 * (a false positive only makes the caller wait and retry, never patch unsafely).
 */
import { getAddr } from './regs.js';
import type { Vma } from './proc-maps.js';
import type { FrozenThread } from './threads.js';
import { unwindThread, type Frame, type StackBytes, type UnwindTables } from './unwind.js';

export interface CodeRange {
  start: number;
  end: number;
  /** Function name, for the error message. */
  name: string;
}

export type ThreadCheck =
  | { kind: 'idle'; tid: number; method: 'unwind' | 'scan'; note?: string }
  | {
    kind: 'busy'; tid: number; range: CodeRange; addr: number; how: 'executing' | 'will-return'; method: 'unwind' | 'scan'; note?: string;
    /** Where the outermost busy frame returns to: a breakpoint there lets the thread run out of it. */
    returnIp?: number;
  };

/** Binary search in maps order (sorted by address). */
export function vmaAt(vmas: readonly Vma[], addr: number): Vma | undefined {
  let lo = 0;
  let hi = vmas.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (addr < vmas[mid].start) hi = mid - 1;
    else if (addr >= vmas[mid].end) lo = mid + 1;
    else return vmas[mid];
  }
  return undefined;
}

function inside(ranges: readonly CodeRange[], addr: number, returnAddress: boolean): CodeRange | undefined {
  // A return address may point just past the last instruction (a call at the very end).
  return ranges.find((r) => (returnAddress ? addr > r.start && addr <= r.end : addr >= r.start && addr < r.end));
}

function checkFrames(tid: number, frames: readonly Frame[], ranges: readonly CodeRange[]): ThreadCheck {
  let outer = -1;
  let hit: CodeRange | undefined;
  frames.forEach((f, i) => {
    const r = inside(ranges, f.ip, !f.exact);
    if (r) [outer, hit] = [i, r];
  });
  if (!hit) return { kind: 'idle', tid, method: 'unwind' };
  const returnIp = outer + 1 < frames.length ? frames[outer + 1].ip : undefined;
  return { kind: 'busy', tid, range: hit, addr: frames[outer].ip, how: outer === 0 ? 'executing' : 'will-return', method: 'unwind', returnIp };
}

function scan(tid: number, ip: number, stack: StackBytes | undefined, ranges: readonly CodeRange[], note: string): ThreadCheck {
  const at = inside(ranges, ip, false);
  if (at) return { kind: 'busy', tid, range: at, addr: ip, how: 'executing', method: 'scan', note };
  if (!stack) {
    return { kind: 'busy', tid, range: ranges[0], addr: ip, how: 'will-return', method: 'scan', note: `${note}; its stack could not be read` };
  }
  const lo = Math.min(...ranges.map((r) => r.start));
  const hi = Math.max(...ranges.map((r) => r.end));
  const words = stack.bytes;
  for (let off = 0; off + 8 <= words.length; off += 8) {
    const w = words.readUInt32LE(off + 4) * 0x100000000 + words.readUInt32LE(off);
    if (w <= lo || w > hi) continue;
    const r = inside(ranges, w, true);
    if (r) return { kind: 'busy', tid, range: r, addr: w, how: 'will-return', method: 'scan', note };
  }
  return { kind: 'idle', tid, method: 'scan', note };
}

export function checkThread(t: FrozenThread, stack: StackBytes | undefined, tables: UnwindTables, ranges: readonly CodeRange[]): ThreadCheck {
  if (ranges.length === 0) return { kind: 'idle', tid: t.tid, method: 'unwind' };
  const ip = getAddr(t.regs, 'rip');
  if (!stack) return scan(t.tid, ip, stack, ranges, 'stack not readable');
  const u = unwindThread(tables, t.regs, stack);
  if (u.kind === 'complete') return checkFrames(t.tid, u.frames, ranges);
  // A frame we cannot unwind: the frames found so far are exact, the rest of the stack is scanned.
  const partial = checkFrames(t.tid, u.frames, ranges);
  return partial.kind === 'busy' ? { ...partial, returnIp: undefined, note: u.reason } : scan(t.tid, ip, stack, ranges, `unwind stopped after ${u.frames.length} frame(s): ${u.reason}`);
}

export function describeBusy(pid: number, b: Extract<ThreadCheck, { kind: 'busy' }>): string {
  const what = b.how === 'executing' ? 'is executing' : 'has a return address into';
  return `thread ${b.tid} of pid ${pid} ${what} ${b.range.name} (0x${b.addr.toString(16)} in [0x${b.range.start.toString(16)}, 0x${b.range.end.toString(16)}))`;
}
