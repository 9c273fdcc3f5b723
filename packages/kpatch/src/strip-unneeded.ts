import { TscareError } from '@tscare/errors';
import {
  encodeRelas, encodeSymbols, SHT_NOBITS, SHT_RELA, STB_LOCAL, StringTableBuilder, writeElf, type ElfFile, type ElfRela,
  type ElfSectionImage, type ElfSymbol,
} from '@tscare/elf';

/**
 * The in-process equivalent of `strip --strip-unneeded` on the stripped patch: keeps
 * only the symbols that a relocation uses (locals first, then the others, each in their
 * old order), renumbers the relocations, rebuilds .strtab and re-lays out the file.
 * Unlike binutils it never drops or renumbers a section, which the payload relies on.
 */
export function stripUnneeded(patch: ElfFile): Buffer {
  const symtab = patch.sectionByName('.symtab');
  if (symtab === undefined) {
    throw new TscareError('KPATCH_NO_SYMTAB', `${patch.path}: has no .symtab`, { hint: 'run tscare-kpatch strip on the patched binary first' });
  }
  const strtab = patch.sectionAt(symtab.sh_link, '.symtab sh_link');
  const symbols = patch.symbols(symtab);
  const relaSections = patch.sections.filter((s) => s.sh_type === SHT_RELA);
  const relocs = new Map(relaSections.map((s) => [s.index, patch.relocations(s)] as const));
  for (const [index, list] of relocs) {
    if (patch.sections[index].sh_link !== symtab.index && list.length > 0) {
      throw new TscareError('KPATCH_BAD_ELF', `${patch.path}: relocation section ${patch.sections[index].name} does not use .symtab`, { hint: 'the input is not a stripped patch' });
    }
  }
  const used = new Set<number>([0]);
  for (const list of relocs.values()) for (const r of list) used.add(r.sym);
  const kept = symbols.filter((s) => used.has(s.index));
  const ordered = [...kept.filter((s) => s.bind === STB_LOCAL), ...kept.filter((s) => s.bind !== STB_LOCAL)];
  const newIndex = new Map(ordered.map((s, i) => [s.index, i] as const));
  const names = new StringTableBuilder();
  const newSymbols: ElfSymbol[] = ordered.map((s, i) => ({ ...s, index: i, st_name: names.add(s.name) }));

  const sections: ElfSectionImage[] = patch.sections.map((s) => ({ header: { ...s }, data: Buffer.from(patch.sectionData(s)) }));
  sections[symtab.index].data = encodeSymbols(newSymbols);
  sections[symtab.index].header.sh_info = ordered.filter((s) => s.bind === STB_LOCAL).length;
  sections[strtab.index].data = names.build();
  for (const [index, list] of relocs) {
    if (patch.sections[index].sh_type === SHT_NOBITS) continue;
    const renumbered: ElfRela[] = list.map((r) => ({ ...r, sym: newIndex.get(r.sym) ?? 0 }));
    sections[index].data = encodeRelas(renumbered);
  }
  return writeElf({ header: { ...patch.header }, sections });
}
