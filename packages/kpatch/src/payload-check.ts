import { TscareError, isTscareError } from '@tscare/errors';
import {
  ElfFile, EM_AARCH64, ET_REL, R_AARCH64_ABS64, R_AARCH64_NONE, R_X86_64_64, R_X86_64_DTPOFF64, R_X86_64_GOTOFF64,
  R_X86_64_NONE, R_X86_64_PC64, R_X86_64_SIZE64, R_X86_64_TPOFF64, SHN_LORESERVE, SHT_NOBITS, SHT_REL, SHT_RELA,
  SHT_SYMTAB, type SectionHeader,
} from '@tscare/elf';

const HINT_REBUILD = 'the patch file is corrupt or was not made by kpatch_make/tscare-kpatch; rebuild it';

function bad(path: string, what: string, cause?: unknown): TscareError {
  return new TscareError('KPATCH_BAD_ELF', `${path}: embedded ELF: ${what}`, { hint: HINT_REBUILD, cause });
}

/** Bytes a relocation writes, for the bounds check (aarch64 instructions are 4 bytes). */
function relocWidth(machine: number, type: number): number {
  if (machine === EM_AARCH64) return type === R_AARCH64_NONE ? 0 : type === R_AARCH64_ABS64 ? 8 : 4;
  if (type === R_X86_64_NONE) return 0;
  const eight = [R_X86_64_64, R_X86_64_PC64, R_X86_64_DTPOFF64, R_X86_64_TPOFF64, R_X86_64_GOTOFF64, R_X86_64_SIZE64];
  return eight.includes(type) ? 8 : 4;
}

/** Parses the payload as ELF, turning any ELF error into KPATCH_BAD_ELF. */
export function parsePayload(payload: Buffer, path: string): ElfFile {
  let elf: ElfFile;
  try {
    elf = ElfFile.parse(payload, `${path} (embedded ELF)`);
  } catch (e) {
    if (isTscareError(e)) throw bad(path, `${e.message} [${e.code}]`, e);
    throw e;
  }
  if (elf.header.e_type !== ET_REL) throw bad(path, `e_type is ${elf.header.e_type}, expected ET_REL (1)`);
  if (elf.header.e_shentsize !== 64) throw bad(path, `e_shentsize is ${elf.header.e_shentsize}, expected 64`);
  return elf;
}

/** Checks every symbol table and relocation section of the payload. */
export function checkPayloadTables(elf: ElfFile, path: string): SectionHeader {
  const symtab = elf.sections.find((s) => s.sh_type === SHT_SYMTAB);
  if (symtab === undefined) throw bad(path, 'no SHT_SYMTAB section');
  try {
    checkSymbols(elf, symtab, path);
    for (const s of elf.sections) {
      if (s.sh_type === SHT_REL) throw bad(path, `section ${s.name} is SHT_REL; only SHT_RELA is supported`);
      if (s.sh_type === SHT_RELA) checkRelaSection(elf, s, path);
    }
  } catch (e) {
    if (isTscareError(e) && e.code !== 'KPATCH_BAD_ELF') throw bad(path, `${e.message} [${e.code}]`, e);
    throw e;
  }
  return symtab;
}

function checkSymbols(elf: ElfFile, symtab: SectionHeader, path: string): void {
  for (const sym of elf.symbols(symtab)) {
    if (sym.st_shndx < SHN_LORESERVE && sym.st_shndx >= elf.sections.length) {
      throw bad(path, `symbol ${sym.index} "${sym.name}" is in section ${sym.st_shndx}, but there are ${elf.sections.length}`);
    }
  }
}

function checkRelaSection(elf: ElfFile, rela: SectionHeader, path: string): void {
  const symtab = elf.sections[rela.sh_link];
  if (symtab === undefined || symtab.sh_type !== SHT_SYMTAB) {
    throw bad(path, `relocation section ${rela.name} links to section ${rela.sh_link}, which is not the symbol table`);
  }
  const target = elf.sections[rela.sh_info];
  if (target === undefined || rela.sh_info === 0) throw bad(path, `relocation section ${rela.name} applies to missing section ${rela.sh_info}`);
  const relocs = elf.relocations(rela);
  if (relocs.length > 0 && target.sh_type === SHT_NOBITS) {
    throw bad(path, `relocation section ${rela.name} applies to ${target.name}, which has no contents in the patch`);
  }
  for (const r of relocs) {
    const width = relocWidth(elf.header.e_machine, r.type);
    if (r.r_offset + width > target.sh_size) {
      throw bad(path, `${rela.name} entry ${r.index}: r_offset 0x${r.r_offset.toString(16)} (+${width}) is outside ${target.name} (${target.sh_size} bytes)`);
    }
  }
}
