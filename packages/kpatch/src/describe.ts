import { SHT_RELA, SHT_SYMTAB, STT_SECTION, type ElfRela, type ElfSymbol } from '@tscare/elf';
import { KPATCH_INFO_ENTRY_SIZE } from './header.js';
import { decodeInfoEntries, type KpatchInfoEntry } from './info.js';
import type { KpatchFile } from './reader.js';

/** An info entry of a verified patch file, with the names its relocations give it. */
export interface KpatchInfoDescription {
  index: number;
  entry: KpatchInfoEntry;
  /** The name stored in .kpatch.strtab (`<func>.kpatch` or a new function's name). */
  name: string;
  /** What daddr points at (`print_hello`, `.text+0x40`), undefined for a new function. */
  target: string | undefined;
  /** What saddr points at. */
  source: string | undefined;
  isNew: boolean;
}

function symbolRef(symbols: ElfSymbol[], r: ElfRela | undefined, kp: KpatchFile): string | undefined {
  if (r === undefined) return undefined;
  const sym = symbols[r.sym];
  const base = sym.type === STT_SECTION ? kp.elf.sections[sym.st_shndx]?.name ?? `section ${sym.st_shndx}` : sym.name;
  return r.r_addend === 0 ? base : `${base}${r.r_addend > 0 ? '+' : '-'}0x${Math.abs(r.r_addend).toString(16)}`;
}

function strtabName(kp: KpatchFile, symbols: ElfSymbol[], r: ElfRela | undefined): string {
  if (r === undefined) return '<no name>';
  const sym = symbols[r.sym];
  const section = kp.elf.sections[sym.st_shndx];
  if (section === undefined) return '<no name>';
  const data = kp.elf.sectionData(section);
  const off = (sym.type === STT_SECTION ? 0 : sym.st_value) + r.r_addend;
  if (off < 0 || off >= data.length) return '<no name>';
  const end = data.indexOf(0, off);
  return data.toString('latin1', off, end < 0 ? data.length : end);
}

/** Names every info entry of a parsed (hence verified) patch file. */
export function describeInfoEntries(kp: KpatchFile): KpatchInfoDescription[] {
  const symtab = kp.elf.sections.find((s) => s.sh_type === SHT_SYMTAB) ?? kp.elf.sections[0];
  const symbols = kp.elf.symbols(symtab);
  const relaSec = kp.elf.sections.find((s) => s.sh_type === SHT_RELA && s.sh_info === kp.infoSection.index);
  const byOffset = new Map((relaSec === undefined ? [] : kp.elf.relocations(relaSec)).map((r) => [r.r_offset, r] as const));
  const entries = decodeInfoEntries(kp.elf.sectionData(kp.infoSection)).slice(0, kp.infoCount);
  return entries.map((entry, index) => {
    const base = index * KPATCH_INFO_ENTRY_SIZE;
    return {
      index,
      entry,
      name: strtabName(kp, symbols, byOffset.get(base + 24)),
      target: symbolRef(symbols, byOffset.get(base), kp),
      source: symbolRef(symbols, byOffset.get(base + 8), kp),
      isNew: entry.dlen === 0 && !byOffset.has(base),
    };
  });
}
