/**
 * General- and local-dynamic TLS on x86-64, the models -fPIC code uses for `__thread`:
 * `lea x@tlsgd(%rip), %rdi; call __tls_get_addr` (or `x@tlsld` for the module's block, then
 * `x@dtpoff` within it) passes the address of a GOT pair (module id, offset) that ld.so
 * fills in with DTPMOD64 (and DTPOFF64) relocations. A patch cannot add such a pair, but it
 * can reuse the ORIGINAL's: the relocation becomes a PC32 reference to the original's GOT
 * section (a NOBITS stand-in at its link address after undo-link) plus the pair's offset.
 * LibcarePlus refuses both models.
 */
import { R_X86_64_DTPMOD64, R_X86_64_TLSLD, STT_TLS, type ElfFile, type ElfRela, type ElfSymbol } from '@tscare/elf';
import { pointAtOriginal, sectionAt } from './original-tables.js';

/** The 8 bytes the original's file holds at link address `addr` (the offset half of a pair). */
function wordAt(elf: ElfFile, addr: number): number | undefined {
  const s = sectionAt(elf, addr);
  return s === undefined ? undefined : Number(elf.sectionData(s).readBigUInt64LE(addr - s.sh_addr));
}

/**
 * The link address of the original's GOT pair: for a variable (TLSGD) the pair named after
 * it, or an anonymous one whose static offset is the variable's; for the module (TLSLD, `sym`
 * undefined) an anonymous pair with offset 0.
 */
function originalPair(orig: ElfFile, sym: ElfSymbol | undefined): number | undefined {
  const relaDyn = orig.sectionByName('.rela.dyn');
  if (relaDyn === undefined) return undefined;
  const dynsym = relaDyn.sh_link !== 0 ? orig.sections[relaDyn.sh_link] : undefined;
  const dynSyms = dynsym === undefined ? [] : orig.symbols(dynsym);
  const symtab = orig.sectionByName('.symtab');
  const twin = sym && symtab ? orig.symbols(symtab).find((s) => s.name === sym.name && s.type === STT_TLS) : undefined;
  const bare = (n: string) => n.replace(/@.*$/, '');
  for (const r of orig.relocations(relaDyn)) {
    if (r.type !== R_X86_64_DTPMOD64) continue;
    if (sym === undefined) {
      if (r.sym === 0 && wordAt(orig, r.r_offset + 8) === 0) return r.r_offset;
    } else if (r.sym !== 0) {
      if (bare(dynSyms[r.sym]?.name ?? '') === bare(sym.name)) return r.r_offset;
    } else if (twin !== undefined && wordAt(orig, r.r_offset + 8) === twin.st_value) {
      return r.r_offset;
    }
  }
  return undefined;
}

/** Rewrites a TLSGD/TLSLD relocation to reach the original's pair; false when it has none. */
export function fixDynamicTls(orig: ElfFile, patch: ElfFile, symbols: readonly ElfSymbol[], rela: ElfRela, sym: ElfSymbol | undefined): boolean {
  const pair = originalPair(orig, rela.type === R_X86_64_TLSLD ? undefined : sym);
  return pair !== undefined && pointAtOriginal(orig, patch, symbols, rela, pair);
}
