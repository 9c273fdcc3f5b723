/**
 * Where each part of a patch goes inside its mapping. This is LibcarePlus's layout exactly
 * (reference §7.5 step 6), because the mapping is the only record of an applied patch and
 * libcare-ctl must be able to read ours.
 */
import { SHN_UNDEF, STB_GLOBAL } from '@tscare/elf';
import { KPATCH_HEADER_SIZE, type KpatchFile } from '@tscare/kpatch';
import { PAGE } from './holes.js';

/** x86_64: 5 bytes (`E9 rel32`) saved per info entry. */
export const HUNK_SIZE = 5;
export const JMP_TABLE_HEADER_SIZE = 16;
export const JMP_TABLE_ENTRY_SIZE = 16;

export interface PatchLayout {
  /** 0 when the patch needs no jump table. */
  jmpOffset: number;
  jmpEntries: number;
  elfOffset: number;
  /** Bytes of the ELF copied (file bytes from kpatch_offset to total_size). */
  elfSize: number;
  userInfo: number;
  userUndo: number;
  totalMemSize: number;
  /** End of the part that becomes r-x: up to .kpatch.data (or .kpatch.eh_frame), or the whole mapping. */
  codeEnd: number;
  infoCount: number;
}

/** Sections that start the read-write part of the mapping. */
const DATA_SECTIONS = ['.kpatch.data', '.kpatch.eh_frame'];

export function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** Undefined globals: each gets a jump-table entry (LibcarePlus counts them the same way). */
export function countUndefinedGlobals(kp: KpatchFile): number {
  const symtab = kp.elf.sections.find((s) => s.name === '.symtab');
  if (!symtab) return 0;
  return kp.elf.symbols(symtab).filter((s) => s.index !== 0 && s.st_shndx === SHN_UNDEF && s.bind === STB_GLOBAL).length;
}

export function computeLayout(kp: KpatchFile): PatchLayout {
  const jmpEntries = countUndefinedGlobals(kp);
  let o = roundUp(KPATCH_HEADER_SIZE, 8);
  let jmpOffset = 0;
  if (jmpEntries > 0) {
    jmpOffset = o;
    o = roundUp(o + JMP_TABLE_HEADER_SIZE + JMP_TABLE_ENTRY_SIZE * jmpEntries, PAGE);
  }
  const elfOffset = roundUp(o, PAGE);
  const elfSize = kp.header.total_size - kp.header.kpatch_offset;
  o = roundUp(elfOffset + elfSize, 128);
  const userInfo = elfOffset + kp.infoSection.sh_offset;
  const userUndo = o;
  o = roundUp(o + HUNK_SIZE * kp.infoCount, 16);
  const totalMemSize = roundUp(o, PAGE);
  // Read-write from the first data section on: .kpatch.data, or the call-frame information
  // that strip appends (the C++ unwinder writes its registration record there).
  const dataOffsets = DATA_SECTIONS.map((n) => kp.elf.sectionByName(n)).filter((s) => s !== undefined && s.sh_offset > 0).map((s) => s!.sh_offset);
  const codeEnd = dataOffsets.length > 0 ? elfOffset + Math.min(...dataOffsets) : totalMemSize;
  return { jmpOffset, jmpEntries, elfOffset, elfSize, userInfo, userUndo, totalMemSize, codeEnd, infoCount: kp.infoCount };
}
