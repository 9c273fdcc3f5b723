/**
 * Is any thread executing, or about to return into, code we are about to replace?
 * The instruction pointer is checked exactly; each thread's live stack (from %rsp to the end
 * of its mapping) is scanned conservatively for words that look like return addresses into
 * those ranges. A false positive only makes the caller wait and retry.
 */
import { getAddr } from './regs.js';
import type { ProcMem } from './proc-mem.js';
import type { Vma } from './proc-maps.js';
import type { FrozenProcess } from './threads.js';

export interface CodeRange {
  start: number;
  end: number;
  /** Function name, for the error message. */
  name: string;
}

export type BusyThread = { tid: number; range: CodeRange; kind: 'executing' | 'will-return'; addr: number };

/** More than any sane thread stack; we scan at most this much above %rsp. */
const MAX_STACK_SCAN = 8 * 1024 * 1024;

function inside(ranges: readonly CodeRange[], addr: number, returnAddress: boolean): CodeRange | undefined {
  // A return address may point just past the last instruction (a call at the very end).
  return ranges.find((r) => (returnAddress ? addr > r.start && addr <= r.end : addr >= r.start && addr < r.end));
}

function scanStack(mem: ProcMem, vmas: readonly Vma[], rsp: number, ranges: readonly CodeRange[]): { range: CodeRange; addr: number } | undefined {
  if (ranges.length === 0) return undefined;
  const vma = vmas.find((v) => rsp >= v.start && rsp < v.end);
  if (!vma) return undefined;
  const from = rsp - (rsp % 8);
  const len = Math.min(vma.end - from, MAX_STACK_SCAN);
  let words: Buffer;
  try {
    words = mem.read(from, len);
  } catch {
    return undefined;
  }
  const lo = Math.min(...ranges.map((r) => r.start));
  const hi = Math.max(...ranges.map((r) => r.end));
  for (let off = 0; off + 8 <= words.length; off += 8) {
    // Two 32-bit reads instead of a BigInt per word: this loop runs while the process is frozen.
    const w = words.readUInt32LE(off + 4) * 0x100000000 + words.readUInt32LE(off);
    if (w <= lo || w > hi) continue;
    const hit = inside(ranges, w, true);
    if (hit) return { range: hit, addr: w };
  }
  return undefined;
}

export function findBusyThread(frozen: FrozenProcess, mem: ProcMem, vmas: readonly Vma[], ranges: readonly CodeRange[]): BusyThread | undefined {
  for (const t of frozen.threads) {
    const ip = getAddr(t.regs, 'rip');
    const at = inside(ranges, ip, false);
    if (at) return { tid: t.tid, range: at, kind: 'executing', addr: ip };
    const ret = scanStack(mem, vmas, getAddr(t.regs, 'rsp'), ranges);
    if (ret) return { tid: t.tid, range: ret.range, kind: 'will-return', addr: ret.addr };
  }
  return undefined;
}

export function describeBusy(pid: number, b: BusyThread): string {
  const what = b.kind === 'executing' ? 'is executing' : 'has a return address into';
  return `thread ${b.tid} of pid ${pid} ${what} ${b.range.name} (0x${b.addr.toString(16)} in [0x${b.range.start.toString(16)}, 0x${b.range.end.toString(16)}))`;
}
