import { TscareError } from '@tscare/errors';
import { checkRange, u64 } from './bytes.js';
import {
  EI_CLASS, EI_DATA, EI_VERSION, ELF64_EHDR_SIZE, ELF64_PHDR_SIZE, ELF64_SHDR_SIZE, ELF_MAGIC, ELFCLASS64, ELFDATA2LSB,
  EM_AARCH64, EM_X86_64, EV_CURRENT,
} from './constants.js';
import type { ElfHeader, ProgramHeader, SectionHeader } from './types.js';

const HINT_CORRUPT = 'the file is corrupt or truncated; rebuild it';

/** Reads and validates the ELF64 file header (ident, class, byte order, machine). */
export function decodeElfHeader(data: Buffer, path: string): ElfHeader {
  if (data.length < 4 || !data.subarray(0, 4).equals(ELF_MAGIC)) {
    throw new TscareError('ELF_BAD_MAGIC', `${path}: not an ELF file (no \\x7fELF magic)`, { hint: 'pass an ELF object, executable or shared library' });
  }
  checkRange(data, 0, ELF64_EHDR_SIZE, 'ELF header', path);
  if (data[EI_CLASS] !== ELFCLASS64 || data[EI_DATA] !== ELFDATA2LSB || data[EI_VERSION] !== EV_CURRENT) {
    throw new TscareError('ELF_UNSUPPORTED', `${path}: only 64-bit little-endian ELF version 1 is supported (class ${data[EI_CLASS]}, data ${data[EI_DATA]}, version ${data[EI_VERSION]})`, {
      hint: 'tscare handles x86_64 and aarch64 objects only',
    });
  }
  const h: ElfHeader = {
    e_type: data.readUInt16LE(16),
    e_machine: data.readUInt16LE(18),
    e_version: data.readUInt32LE(20),
    e_entry: u64(data, 24, 'e_entry', path),
    e_phoff: u64(data, 32, 'e_phoff', path),
    e_shoff: u64(data, 40, 'e_shoff', path),
    e_flags: data.readUInt32LE(48),
    e_ehsize: data.readUInt16LE(52),
    e_phentsize: data.readUInt16LE(54),
    e_phnum: data.readUInt16LE(56),
    e_shentsize: data.readUInt16LE(58),
    e_shnum: data.readUInt16LE(60),
    e_shstrndx: data.readUInt16LE(62),
  };
  if (h.e_machine !== EM_X86_64 && h.e_machine !== EM_AARCH64) {
    throw new TscareError('ELF_UNSUPPORTED', `${path}: machine ${h.e_machine} is not supported (x86_64 = ${EM_X86_64}, aarch64 = ${EM_AARCH64})`, {
      hint: 'tscare handles x86_64 and aarch64 objects only',
    });
  }
  return h;
}

/**
 * Section count and string-table index, following the extended numbering of elf(5):
 * e_shnum == 0 with sections present → count in section 0's sh_size; e_shstrndx ==
 * SHN_XINDEX → index in section 0's sh_link.
 */
function sectionCounts(data: Buffer, h: ElfHeader, path: string): { shnum: number; shstrndx: number } {
  if (h.e_shoff === 0) return { shnum: 0, shstrndx: 0 };
  if (h.e_shentsize !== ELF64_SHDR_SIZE) {
    throw new TscareError('ELF_BAD_SECTION', `${path}: e_shentsize is ${h.e_shentsize}, expected ${ELF64_SHDR_SIZE}`, { hint: HINT_CORRUPT });
  }
  checkRange(data, h.e_shoff, ELF64_SHDR_SIZE, 'section header 0', path);
  const shnum = h.e_shnum !== 0 ? h.e_shnum : u64(data, h.e_shoff + 32, 'section 0 sh_size (extended e_shnum)', path);
  const shstrndx = h.e_shstrndx !== 0xffff ? h.e_shstrndx : data.readUInt32LE(h.e_shoff + 40);
  return { shnum, shstrndx };
}

function decodeSection(data: Buffer, off: number, index: number, path: string): SectionHeader {
  const w = `section ${index}`;
  return {
    index,
    name: '',
    sh_name: data.readUInt32LE(off),
    sh_type: data.readUInt32LE(off + 4),
    sh_flags: u64(data, off + 8, `${w} sh_flags`, path),
    sh_addr: u64(data, off + 16, `${w} sh_addr`, path),
    sh_offset: u64(data, off + 24, `${w} sh_offset`, path),
    sh_size: u64(data, off + 32, `${w} sh_size`, path),
    sh_link: data.readUInt32LE(off + 40),
    sh_info: data.readUInt32LE(off + 44),
    sh_addralign: u64(data, off + 48, `${w} sh_addralign`, path),
    sh_entsize: u64(data, off + 56, `${w} sh_entsize`, path),
  };
}

/** Reads the section header table (names are resolved by the caller). */
export function decodeSectionHeaders(data: Buffer, h: ElfHeader, path: string): { sections: SectionHeader[]; shstrndx: number } {
  const { shnum, shstrndx } = sectionCounts(data, h, path);
  checkRange(data, h.e_shoff, shnum * ELF64_SHDR_SIZE, `section header table (${shnum} entries)`, path);
  const sections: SectionHeader[] = [];
  for (let i = 0; i < shnum; i++) sections.push(decodeSection(data, h.e_shoff + i * ELF64_SHDR_SIZE, i, path));
  return { sections, shstrndx };
}

/** Reads the program header table. */
export function decodeProgramHeaders(data: Buffer, h: ElfHeader, path: string): ProgramHeader[] {
  if (h.e_phnum === 0) return [];
  if (h.e_phentsize !== ELF64_PHDR_SIZE) {
    throw new TscareError('ELF_BAD_SEGMENT', `${path}: e_phentsize is ${h.e_phentsize}, expected ${ELF64_PHDR_SIZE}`, { hint: HINT_CORRUPT });
  }
  checkRange(data, h.e_phoff, h.e_phnum * ELF64_PHDR_SIZE, `program header table (${h.e_phnum} entries)`, path);
  const out: ProgramHeader[] = [];
  for (let i = 0; i < h.e_phnum; i++) {
    const off = h.e_phoff + i * ELF64_PHDR_SIZE;
    const w = `program header ${i}`;
    out.push({
      p_type: data.readUInt32LE(off),
      p_flags: data.readUInt32LE(off + 4),
      p_offset: u64(data, off + 8, `${w} p_offset`, path),
      p_vaddr: u64(data, off + 16, `${w} p_vaddr`, path),
      p_paddr: u64(data, off + 24, `${w} p_paddr`, path),
      p_filesz: u64(data, off + 32, `${w} p_filesz`, path),
      p_memsz: u64(data, off + 40, `${w} p_memsz`, path),
      p_align: u64(data, off + 48, `${w} p_align`, path),
    });
  }
  return out;
}
