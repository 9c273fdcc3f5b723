/**
 * Return addresses of the direct calls (`E8 rel32`) to given functions in an object's code,
 * found in its ELF file before the freeze. Patch code carries no call-frame information
 * (its .eh_frame is stripped from the .kpatch), so a frame in it is unwound by looking up
 * the stack for a return address that is one of these: the word after a real call
 * instruction to the replaced function, never a guess in the middle of an instruction.
 */
import { PF_X, PT_LOAD } from '@tscare/elf';
import type { MappedObject } from './objects.js';

const CALL_REL32 = 0xe8;

export function directCallReturns(object: MappedObject, targets: readonly number[]): Set<number> {
  const out = new Set<number>();
  const wanted = new Set(targets);
  const data = object.elf.data;
  for (const ph of object.elf.programHeaders) {
    if (ph.p_type !== PT_LOAD || (ph.p_flags & PF_X) === 0) continue;
    const end = Math.min(ph.p_offset + ph.p_filesz, data.length) - 4;
    const runtime = object.bias + ph.p_vaddr - ph.p_offset;
    for (let off = ph.p_offset; off < end; off++) {
      if (data[off] !== CALL_REL32) continue;
      const ret = runtime + off + 5;
      if (wanted.has(ret + data.readInt32LE(off + 1))) out.add(ret);
    }
  }
  return out;
}
