import { TscareError } from '@tscare/errors';
import { alignUp } from './bytes.js';
import {
  EI_CLASS, EI_DATA, EI_VERSION, ELF64_EHDR_SIZE, ELF64_RELA_SIZE, ELF64_SHDR_SIZE, ELF64_SYM_SIZE, ELF_MAGIC,
  ELFCLASS64, ELFDATA2LSB, EV_CURRENT, SHN_LORESERVE, SHT_NOBITS, SHT_NULL,
} from './constants.js';
import type { ElfHeader, ElfRela, ElfSymbol, SectionHeader } from './types.js';

/** A section to write: its header and, unless SHT_NOBITS/SHT_NULL, its contents. */
export interface ElfSectionImage {
  header: SectionHeader;
  data: Buffer;
}

/** An ELF64 file to write from scratch: no program headers, sections in index order. */
export interface ElfImage {
  header: ElfHeader;
  sections: ElfSectionImage[];
}

function u64(buf: Buffer, off: number, v: number, what: string): void {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new TscareError('ELF_VALUE_RANGE', `cannot write ${what} = ${v}: not an unsigned 64-bit value`, { hint: 'this is a bug in the caller' });
  }
  buf.writeBigUInt64LE(BigInt(v), off);
}

export function encodeElfHeader(h: ElfHeader, buf: Buffer, off = 0): void {
  ELF_MAGIC.copy(buf, off);
  buf[off + EI_CLASS] = ELFCLASS64;
  buf[off + EI_DATA] = ELFDATA2LSB;
  buf[off + EI_VERSION] = EV_CURRENT;
  buf.fill(0, off + 7, off + 16);
  buf.writeUInt16LE(h.e_type, off + 16);
  buf.writeUInt16LE(h.e_machine, off + 18);
  buf.writeUInt32LE(h.e_version, off + 20);
  u64(buf, off + 24, h.e_entry, 'e_entry');
  u64(buf, off + 32, h.e_phoff, 'e_phoff');
  u64(buf, off + 40, h.e_shoff, 'e_shoff');
  buf.writeUInt32LE(h.e_flags, off + 48);
  buf.writeUInt16LE(h.e_ehsize, off + 52);
  buf.writeUInt16LE(h.e_phentsize, off + 54);
  buf.writeUInt16LE(h.e_phnum, off + 56);
  buf.writeUInt16LE(h.e_shentsize, off + 58);
  buf.writeUInt16LE(h.e_shnum, off + 60);
  buf.writeUInt16LE(h.e_shstrndx, off + 62);
}

export function encodeSectionHeader(s: SectionHeader, buf: Buffer, off: number): void {
  buf.writeUInt32LE(s.sh_name, off);
  buf.writeUInt32LE(s.sh_type, off + 4);
  u64(buf, off + 8, s.sh_flags, `${s.name} sh_flags`);
  u64(buf, off + 16, s.sh_addr, `${s.name} sh_addr`);
  u64(buf, off + 24, s.sh_offset, `${s.name} sh_offset`);
  u64(buf, off + 32, s.sh_size, `${s.name} sh_size`);
  buf.writeUInt32LE(s.sh_link, off + 40);
  buf.writeUInt32LE(s.sh_info, off + 44);
  u64(buf, off + 48, s.sh_addralign, `${s.name} sh_addralign`);
  u64(buf, off + 56, s.sh_entsize, `${s.name} sh_entsize`);
}

export function encodeSymbol(sym: ElfSymbol, buf: Buffer, off: number): void {
  buf.writeUInt32LE(sym.st_name, off);
  buf[off + 4] = sym.st_info;
  buf[off + 5] = sym.st_other;
  buf.writeUInt16LE(sym.st_shndx, off + 6);
  u64(buf, off + 8, sym.st_value, `symbol ${sym.name} st_value`);
  u64(buf, off + 16, sym.st_size, `symbol ${sym.name} st_size`);
}

/** Writes r_offset, r_info built from `sym`/`type`, and the signed r_addend. */
export function encodeRela(r: ElfRela, buf: Buffer, off: number): void {
  u64(buf, off, r.r_offset, 'r_offset');
  buf.writeUInt32LE(r.type, off + 8);
  buf.writeUInt32LE(r.sym, off + 12);
  buf.writeBigInt64LE(BigInt(r.r_addend), off + 16);
}

export function encodeSymbols(syms: ElfSymbol[]): Buffer {
  const buf = Buffer.alloc(syms.length * ELF64_SYM_SIZE);
  syms.forEach((s, i) => encodeSymbol(s, buf, i * ELF64_SYM_SIZE));
  return buf;
}

export function encodeRelas(relas: ElfRela[]): Buffer {
  const buf = Buffer.alloc(relas.length * ELF64_RELA_SIZE);
  relas.forEach((r, i) => encodeRela(r, buf, i * ELF64_RELA_SIZE));
  return buf;
}

/** Builds a string table (leading NUL, each name once). */
export class StringTableBuilder {
  private readonly parts: Buffer[] = [Buffer.alloc(1)];
  private readonly offsets = new Map<string, number>();
  private size = 1;

  add(name: string): number {
    if (name === '') return 0;
    const known = this.offsets.get(name);
    if (known !== undefined) return known;
    const off = this.size;
    const bytes = Buffer.from(`${name}\0`, 'latin1');
    this.parts.push(bytes);
    this.size += bytes.length;
    this.offsets.set(name, off);
    return off;
  }

  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/**
 * Lays the image out (ELF header, then each section with contents at its sh_addralign,
 * then the section header table at an 8-byte boundary) and returns the file. Section
 * headers get their sh_offset (NOBITS: the current offset, as libelf does) and, for
 * sections with contents, sh_size = data length. The image's headers are updated.
 */
export function writeElf(image: ElfImage): Buffer {
  if (image.sections.length >= SHN_LORESERVE) {
    throw new TscareError('ELF_TOO_MANY_SECTIONS', `cannot write ${image.sections.length} sections (extended numbering is not supported)`, { hint: 'reduce the number of sections' });
  }
  let off = ELF64_EHDR_SIZE;
  for (const [i, { header: s, data }] of image.sections.entries()) {
    if (s.index !== i) {
      throw new TscareError('ELF_BAD_SECTION', `cannot write section ${s.name}: its index ${s.index} is not its position ${i}`, { hint: 'this is a bug in the caller' });
    }
    if (i === 0) continue;
    if (s.sh_type === SHT_NOBITS || s.sh_type === SHT_NULL) {
      s.sh_offset = off;
      continue;
    }
    off = alignUp(off, s.sh_addralign);
    s.sh_offset = off;
    s.sh_size = data.length;
    off += data.length;
  }
  const h = image.header;
  h.e_shoff = alignUp(off, 8);
  h.e_shnum = image.sections.length;
  h.e_shentsize = ELF64_SHDR_SIZE;
  h.e_ehsize = ELF64_EHDR_SIZE;
  h.e_phoff = 0;
  h.e_phnum = 0;
  const out = Buffer.alloc(h.e_shoff + h.e_shnum * ELF64_SHDR_SIZE);
  encodeElfHeader(h, out);
  for (const { header: s, data } of image.sections) {
    if (s.sh_type !== SHT_NOBITS && s.sh_type !== SHT_NULL) data.copy(out, s.sh_offset);
    encodeSectionHeader(s, out, h.e_shoff + s.index * ELF64_SHDR_SIZE);
  }
  return out;
}
