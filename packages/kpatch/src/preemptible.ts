/**
 * Symbol interposition in shared-library patches. ld.so binds a library's calls and GOT
 * loads of its own exported, default-visibility symbols to the FIRST definition in the
 * process's lookup scope: the executable's, an LD_PRELOAD library's, or the library's own
 * when nobody else defines it; and a variable the executable copied (COPY relocation) lives
 * in the executable. The linked patched library shows which references are preemptible: ld
 * left a dynamic relocation (JUMP_SLOT, GLOB_DAT, 64) against the symbol. Such references
 * in the new code become imports (an undefined global of the same name) that the applier
 * resolves by name in lookup order, as ld.so did. The .kpatch.info entries keep the
 * library's own definition: they name the function being replaced, in this library.
 */
import {
  ELF64_RELA_SIZE, ELF64_SYM_SIZE, encodeRela, encodeSymbols, ET_DYN, PT_INTERP, R_X86_64_64, R_X86_64_GLOB_DAT,
  R_X86_64_GOTPCREL, R_X86_64_GOTPCRELX, R_X86_64_JUMP_SLOT, R_X86_64_PLT32, R_X86_64_REX_GOTPCRELX, SHN_UNDEF,
  SHT_DYNSYM, SHT_RELA, SHT_SYMTAB, STB_GLOBAL, STV_DEFAULT, type ElfFile, type ElfSectionImage, type ElfSymbol,
} from '@tscare/elf';

const DYNAMIC_BINDINGS = [R_X86_64_GLOB_DAT, R_X86_64_JUMP_SLOT, R_X86_64_64];
const CODE_REFERENCES = [R_X86_64_PLT32, R_X86_64_GOTPCREL, R_X86_64_GOTPCRELX, R_X86_64_REX_GOTPCRELX, R_X86_64_64];

/** A shared library, not a (PIE) executable: only a library's own symbols can be interposed. */
function isSharedLibrary(elf: ElfFile): boolean {
  return elf.header.e_type === ET_DYN && !elf.programHeaders.some((p) => p.p_type === PT_INTERP);
}

/** Names of the library's own symbols that ld.so binds at run time (dynamic relocations against them). */
export function preemptibleNames(elf: ElfFile): Set<string> {
  const names = new Set<string>();
  if (!isSharedLibrary(elf)) return names;
  for (const rs of elf.sections) {
    if (rs.sh_type !== SHT_RELA) continue;
    const dynsym = elf.sections[rs.sh_link];
    if (dynsym === undefined || dynsym.sh_type !== SHT_DYNSYM) continue;
    const symbols = elf.symbols(dynsym);
    for (const r of elf.relocations(rs)) {
      const s = symbols[r.sym];
      if (r.sym === 0 || s === undefined || !DYNAMIC_BINDINGS.includes(r.type)) continue;
      if (s.st_shndx !== SHN_UNDEF && (s.st_other & 3) === STV_DEFAULT) names.add(s.name);
    }
  }
  return names;
}

/**
 * Rewrites the stripped sections in place: relocations of the patch's code and data against
 * a preemptible defined symbol point at a new undefined global of that name, appended to
 * .symtab. Returns the names turned into imports.
 */
export function importPreemptible(elf: ElfFile, sections: ElfSectionImage[]): string[] {
  const names = preemptibleNames(elf);
  const symtab = elf.sections.find((s) => s.sh_type === SHT_SYMTAB);
  if (names.size === 0 || symtab === undefined) return [];
  const symbols = elf.symbols(symtab);
  const added: ElfSymbol[] = [];
  const importOf = new Map<string, number>();
  const importIndex = (s: ElfSymbol): number => {
    let index = importOf.get(s.name);
    if (index === undefined) {
      index = symbols.length + added.length;
      added.push({ ...s, index, st_shndx: SHN_UNDEF, st_value: 0, st_size: 0, st_other: STV_DEFAULT });
      importOf.set(s.name, index);
    }
    return index;
  };
  for (const image of sections) {
    const rs = image.header;
    if (rs.sh_type !== SHT_RELA || rs.sh_link !== symtab.index || image.data.length === 0) continue;
    if (elf.sections[rs.sh_info]?.name === '.kpatch.info') continue;
    for (const r of elf.relocations(elf.sections[rs.index])) {
      const s = symbols[r.sym];
      if (s === undefined || r.sym === 0 || s.st_shndx === SHN_UNDEF || s.bind !== STB_GLOBAL) continue;
      if (!names.has(s.name) || !CODE_REFERENCES.includes(r.type)) continue;
      encodeRela({ ...r, sym: importIndex(s) }, image.data, r.index * ELF64_RELA_SIZE);
    }
  }
  if (added.length === 0) return [];
  const table = sections[symtab.index];
  table.data = Buffer.concat([table.data.subarray(0, symbols.length * ELF64_SYM_SIZE), encodeSymbols(added)]);
  return [...importOf.keys()];
}
