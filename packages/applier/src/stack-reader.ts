/**
 * Reading the live stacks of all stopped threads: one process_vm_readv for up to 1024
 * threads at a time, instead of one read per thread (the freeze lasts as long as this takes).
 * A stack the batched call could not read is read on its own through /proc/PID/mem.
 */
import type { ProcMem } from './proc-mem.js';
import type { Vma } from './proc-maps.js';
import { vmaAt } from './safety.js';
import { MAX_READ_RANGES, type SysApi } from './sys.js';
import type { StackBytes } from './unwind.js';

/** More than any sane thread stack; we read at most this much above %rsp. */
const MAX_STACK_READ = 8 * 1024 * 1024;

interface Range {
  addr: number;
  len: number;
}

function rangeOf(vmas: readonly Vma[], rsp: number): Range | undefined {
  const vma = vmaAt(vmas, rsp);
  return vma ? { addr: rsp, len: Math.min(vma.end - rsp, MAX_STACK_READ) } : undefined;
}

function readOne(mem: ProcMem, r: Range): StackBytes | undefined {
  try {
    return { base: r.addr, bytes: mem.read(r.addr, r.len) };
  } catch {
    return undefined;
  }
}

/** The stack of each thread (by %rsp), undefined where it cannot be read. */
export function readStacks(sys: SysApi, mem: ProcMem, pid: number, vmas: readonly Vma[], rsps: readonly number[]): (StackBytes | undefined)[] {
  const ranges = rsps.map((rsp) => rangeOf(vmas, rsp));
  const out: (StackBytes | undefined)[] = new Array(rsps.length).fill(undefined);
  const wanted = ranges.flatMap((r, i) => (r ? [i] : []));
  for (let from = 0; from < wanted.length; from += MAX_READ_RANGES) {
    const batch = wanted.slice(from, from + MAX_READ_RANGES);
    const total = batch.reduce((n, i) => n + ranges[i]!.len, 0);
    const buf = Buffer.allocUnsafe(total);
    let got = sys.readRanges(pid, batch.map((i) => ranges[i]!), buf);
    let at = 0;
    for (const i of batch) {
      const r = ranges[i]!;
      out[i] = got >= r.len ? { base: r.addr, bytes: buf.subarray(at, at + r.len) } : readOne(mem, r);
      got = Math.max(0, got - r.len);
      at += r.len;
    }
  }
  return out;
}
