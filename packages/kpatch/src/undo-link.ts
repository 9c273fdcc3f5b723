import { TscareError } from '@tscare/errors';
import { checkReferencedSections, checkReferencedSymbols } from './layout-check.js';
import {
  encodeElfHeader, encodeRela, encodeSectionHeader, encodeSymbol, ELF64_RELA_SIZE, ELF64_SHDR_SIZE, ELF64_SYM_SIZE, ET_REL,
  SHF_ALLOC, SHN_LORESERVE, SHN_UNDEF, SHT_RELA, SHT_SYMTAB, STT_SECTION, STT_TLS, type ElfFile, type SectionHeader,
} from '@tscare/elf';

const HINT_ORIG = 'ORIG must be the exact binary the patched one was built against (same sources before the patch, same compiler and flags)';

/**
 * Maps each ALLOC section of ORIG to the next PATCH section of the same name, searching
 * forward only (as kpatch_strip does). A section that cannot be mapped is refused
 * instead of being skipped.
 */
function mapSections(orig: ElfFile, patch: ElfFile): Map<number, SectionHeader> {
  const map = new Map<number, SectionHeader>();
  let from = 1;
  for (const os of orig.sections) {
    if (os.index === 0 || (os.sh_flags & SHF_ALLOC) === 0) continue;
    const twin = patch.sections.slice(from).find((ps) => ps.name === os.name);
    if (twin === undefined) {
      throw new TscareError('KPATCH_UNMAPPED_SECTION', `${patch.path}: has no section ${os.name} (section ${os.index} of ${orig.path}) after section ${from - 1}`, { hint: HINT_ORIG });
    }
    map.set(twin.index, os);
    from = twin.index + 1;
  }
  return map;
}

/**
 * `kpatch_strip --undo-link ORIG PATCH`: makes relocation offsets and symbol values
 * section-relative, gives non-patch sections ORIG's link addresses and turns the file
 * into ET_REL without program headers (reference §4.4). Returns the new file contents.
 */
export function undoLink(orig: ElfFile, patch: ElfFile): Buffer {
  const out = Buffer.from(patch.data);
  const symtabs = patch.sections.filter((s) => s.sh_type === SHT_SYMTAB).map((s) => ({ symtab: s, symbols: patch.symbols(s) }));
  const map = mapSections(orig, patch);
  const used = symtabs.flatMap(({ symbols }) => symbols.filter((x) => x.st_shndx !== SHN_UNDEF && x.st_shndx < SHN_LORESERVE && x.type !== STT_TLS));
  checkReferencedSections(orig, patch, map, new Set(used.map((x) => x.st_shndx)));
  for (const { symbols } of symtabs) checkReferencedSymbols(orig, patch, symbols);

  for (const rs of patch.sections) {
    if (rs.sh_type !== SHT_RELA) continue;
    const target = patch.sectionAt(rs.sh_info, `relocation section ${rs.name} sh_info`);
    for (const r of patch.relocations(rs)) {
      if (target.sh_addr !== 0) r.r_offset -= target.sh_addr;
      encodeRela(r, out, rs.sh_offset + r.index * ELF64_RELA_SIZE);
    }
  }
  for (const { symtab, symbols } of symtabs) {
    for (const sym of symbols) {
      if (sym.index === 0 || sym.st_shndx === SHN_UNDEF || sym.st_shndx >= SHN_LORESERVE || sym.type === STT_TLS || sym.type === STT_SECTION) continue;
      const home = patch.sectionAt(sym.st_shndx, `symbol ${sym.name}`);
      if (home.sh_addr !== 0) sym.st_value -= home.sh_addr;
      encodeSymbol(sym, out, symtab.sh_offset + sym.index * ELF64_SYM_SIZE);
    }
  }
  for (const [index, os] of map) {
    const header = { ...patch.sections[index], sh_addr: os.sh_addr };
    encodeSectionHeader(header, out, patch.header.e_shoff + index * ELF64_SHDR_SIZE);
  }
  encodeElfHeader({ ...patch.header, e_type: ET_REL, e_phoff: 0, e_phnum: 0 }, out);
  return out;
}
