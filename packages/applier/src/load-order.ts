/**
 * The dynamic linker's global lookup order: the executable, then the libraries in the
 * order of the r_debug link_map chain (load order). Read from the target's memory, via
 * the executable's DT_DEBUG entry.
 */
import fs from 'node:fs';
import { PT_DYNAMIC } from '@tscare/elf';
import type { MappedObject } from './objects.js';
import type { ProcMem } from './proc-mem.js';

const DT_DEBUG = 21;
const MAX_LINK_MAPS = 4096;

export function findExecutable(pid: number, objects: readonly MappedObject[]): MappedObject | undefined {
  let exe = '';
  try {
    exe = fs.readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    return undefined;
  }
  return objects.find((o) => o.path === exe);
}

function readRDebug(mem: ProcMem, exe: MappedObject): number {
  const dyn = exe.elf.programHeaders.find((p) => p.p_type === PT_DYNAMIC);
  if (!dyn) return 0;
  const raw = mem.read(dyn.p_vaddr + exe.bias, dyn.p_memsz - (dyn.p_memsz % 16));
  for (let off = 0; off + 16 <= raw.length; off += 16) {
    const tag = Number(raw.readBigInt64LE(off));
    if (tag === 0) break;
    if (tag === DT_DEBUG) return Number(raw.readBigUInt64LE(off + 8));
  }
  return 0;
}

/** Link-map base addresses (l_addr) in chain order; empty when the chain cannot be read. */
function linkMapBiases(mem: ProcMem, exe: MappedObject): number[] {
  const rDebug = readRDebug(mem, exe);
  if (rDebug === 0) return [];
  const out: number[] = [];
  let lm = Number(mem.read(rDebug + 8, 8).readBigUInt64LE(0));
  while (lm !== 0 && out.length < MAX_LINK_MAPS) {
    const rec = mem.read(lm, 32);
    out.push(Number(rec.readBigUInt64LE(0)));
    lm = Number(rec.readBigUInt64LE(24));
  }
  return out;
}

/** Objects in lookup order: executable first, then load order, then anything left in maps order. */
export function lookupOrder(mem: ProcMem, objects: readonly MappedObject[], exe: MappedObject | undefined): MappedObject[] {
  const ordered: MappedObject[] = [];
  const add = (o: MappedObject | undefined): void => {
    if (o && !ordered.includes(o)) ordered.push(o);
  };
  add(exe);
  if (exe) {
    let biases: number[] = [];
    try {
      biases = linkMapBiases(mem, exe);
    } catch {
      biases = []; // an unreadable chain only costs us the exact order
    }
    for (const b of biases) add(objects.find((o) => o.bias === b && o !== exe));
  }
  for (const o of objects) add(o);
  return ordered;
}
