/**
 * References from new code into the ORIGINAL object's linker-made tables (GOT, PLT). The
 * patched link has tables of its own, laid out differently; a patch reaches the original's
 * entries instead, through the section's symbol: after undo-link the section is a NOBITS
 * stand-in at the original's link address, which the applier relocates by the load bias.
 */
import { R_X86_64_PC32, SHF_ALLOC, SHT_NOBITS, STT_SECTION, type ElfFile, type ElfRela, type ElfSymbol, type SectionHeader } from '@tscare/elf';

/** Linker-made tables: their size follows the imports, so the patched link's may differ from the original's. */
export const LINKER_TABLES = new Set(['.got', '.got.plt', '.plt', '.plt.sec', '.plt.got', '.iplt']);

/** The allocated section of `elf` with contents that holds [addr, addr + size). */
export function sectionAt(elf: ElfFile, addr: number, size = 8): SectionHeader | undefined {
  return elf.sections.find((s) => (s.sh_flags & SHF_ALLOC) !== 0 && s.sh_type !== SHT_NOBITS && s.sh_addr <= addr && addr + size <= s.sh_addr + s.sh_size);
}

/**
 * Rewrites `rela` (in place) as `type` against the patch's symbol (among `symbols`, its
 * .symtab, already decoded by rel-fixup) for the section the original has at `addr`, plus
 * the offset: the instruction then reaches the original's `addr`. False when the patch has
 * no such section or section symbol.
 */
export function pointAtOriginal(orig: ElfFile, patch: ElfFile, symbols: readonly ElfSymbol[], rela: ElfRela, addr: number, type = R_X86_64_PC32): boolean {
  const home = sectionAt(orig, addr, 1);
  const twin = home === undefined ? undefined : patch.sections.find((s) => s.name === home.name);
  if (home === undefined || twin === undefined) return false;
  const secSym = symbols.find((s) => s.type === STT_SECTION && s.st_shndx === twin.index);
  if (secSym === undefined) return false;
  rela.sym = secSym.index;
  rela.type = type;
  rela.r_addend += addr - home.sh_addr;
  return true;
}
