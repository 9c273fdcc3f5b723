import { readFileSync } from 'node:fs';
import { TscareError } from '@tscare/errors';
import { checkRange, cString, i64, u64 } from './bytes.js';
import {
  ELF64_DYN_SIZE, ELF64_RELA_SIZE, ELF64_SYM_SIZE, NT_GNU_BUILD_ID, PT_NOTE, SHT_DYNAMIC, SHT_DYNSYM, SHT_NOBITS,
  SHT_NOTE, SHT_NULL, SHT_REL, SHT_RELA, SHT_STRTAB, SHT_SYMTAB,
} from './constants.js';
import { decodeElfHeader, decodeProgramHeaders, decodeSectionHeaders } from './header.js';
import { parseNotes } from './notes.js';
import type { ElfDyn, ElfHeader, ElfNote, ElfRela, ElfSymbol, ProgramHeader, SectionHeader } from './types.js';

const HINT_CORRUPT = 'the file is corrupt or truncated; rebuild it';

/**
 * A parsed ELF64 little-endian file (x86_64 or aarch64). `parse` checks the headers and
 * that every section with file contents lies inside the data; symbol and relocation
 * tables are decoded (and checked) on demand.
 */
export class ElfFile {
  readonly path: string;
  readonly data: Buffer;
  readonly header: ElfHeader;
  readonly sections: SectionHeader[];
  readonly programHeaders: ProgramHeader[];

  private constructor(path: string, data: Buffer, header: ElfHeader, sections: SectionHeader[], phdrs: ProgramHeader[]) {
    this.path = path;
    this.data = data;
    this.header = header;
    this.sections = sections;
    this.programHeaders = phdrs;
  }

  static parse(data: Buffer, path: string): ElfFile {
    const header = decodeElfHeader(data, path);
    const { sections, shstrndx } = decodeSectionHeaders(data, header, path);
    for (const s of sections) {
      if (s.sh_type !== SHT_NOBITS && s.sh_type !== SHT_NULL) checkRange(data, s.sh_offset, s.sh_size, `contents of section ${s.index}`, path);
    }
    resolveSectionNames(sections, shstrndx, data, path);
    const phdrs = decodeProgramHeaders(data, header, path);
    for (const [i, p] of phdrs.entries()) checkRange(data, p.p_offset, p.p_filesz, `contents of program header ${i}`, path);
    return new ElfFile(path, data, header, sections, phdrs);
  }

  sectionByName(name: string): SectionHeader | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** The file bytes of a section (a view, not a copy); empty for SHT_NOBITS. */
  sectionData(s: SectionHeader): Buffer {
    if (s.sh_type === SHT_NOBITS || s.sh_type === SHT_NULL) return Buffer.alloc(0);
    return this.data.subarray(s.sh_offset, s.sh_offset + s.sh_size);
  }

  /** Section by index, with an error naming the referrer when it does not exist. */
  sectionAt(index: number, referrer: string): SectionHeader {
    const s = this.sections[index];
    if (s === undefined) {
      throw new TscareError('ELF_BAD_SECTION', `${this.path}: ${referrer} refers to section ${index}, but there are ${this.sections.length}`, { hint: HINT_CORRUPT });
    }
    return s;
  }

  /** Symbols of a .symtab or .dynsym, names resolved through sh_link. */
  symbols(symtab: SectionHeader): ElfSymbol[] {
    const where = `symbol table ${symtab.name || symtab.index}`;
    if (symtab.sh_type !== SHT_SYMTAB && symtab.sh_type !== SHT_DYNSYM) {
      throw new TscareError('ELF_BAD_SYMTAB', `${this.path}: section ${symtab.name} (type ${symtab.sh_type}) is not a symbol table`, { hint: HINT_CORRUPT });
    }
    this.checkTable(symtab, ELF64_SYM_SIZE, where);
    const strtab = this.sectionAt(symtab.sh_link, `${where} sh_link`);
    if (strtab.sh_type !== SHT_STRTAB) {
      throw new TscareError('ELF_BAD_SYMTAB', `${this.path}: ${where} links to section ${strtab.index}, which is not a string table`, { hint: HINT_CORRUPT });
    }
    const strings = this.sectionData(strtab);
    const raw = this.sectionData(symtab);
    const out: ElfSymbol[] = [];
    for (let i = 0; i * ELF64_SYM_SIZE < raw.length; i++) {
      const off = i * ELF64_SYM_SIZE;
      const st_name = raw.readUInt32LE(off);
      const st_info = raw[off + 4];
      out.push({
        index: i,
        name: st_name === 0 ? '' : cString(strings, st_name, `${where} symbol ${i}`, this.path),
        st_name,
        st_info,
        st_other: raw[off + 5],
        st_shndx: raw.readUInt16LE(off + 6),
        st_value: u64(raw, off + 8, `${where} symbol ${i} st_value`, this.path),
        st_size: u64(raw, off + 16, `${where} symbol ${i} st_size`, this.path),
        bind: st_info >> 4,
        type: st_info & 0xf,
      });
    }
    return out;
  }

  /**
   * Entries of an SHT_RELA section. When sh_link names a symbol table, every symbol
   * index is checked against it.
   */
  relocations(rela: SectionHeader): ElfRela[] {
    const where = `relocation section ${rela.name || rela.index}`;
    if (rela.sh_type === SHT_REL) {
      throw new TscareError('ELF_REL_UNSUPPORTED', `${this.path}: ${where} is SHT_REL; only SHT_RELA relocations are supported`, {
        hint: 'x86_64 and aarch64 toolchains emit SHT_RELA; the file was not produced by one',
      });
    }
    if (rela.sh_type !== SHT_RELA) {
      throw new TscareError('ELF_BAD_RELA', `${this.path}: section ${rela.name} (type ${rela.sh_type}) is not SHT_RELA`, { hint: HINT_CORRUPT });
    }
    this.checkTable(rela, ELF64_RELA_SIZE, where);
    const nsyms = this.linkedSymbolCount(rela);
    const raw = this.sectionData(rela);
    const out: ElfRela[] = [];
    for (let i = 0; i * ELF64_RELA_SIZE < raw.length; i++) {
      const off = i * ELF64_RELA_SIZE;
      const sym = raw.readUInt32LE(off + 12);
      const type = raw.readUInt32LE(off + 8);
      if (nsyms !== undefined && sym >= nsyms) {
        throw new TscareError('ELF_BAD_RELA', `${this.path}: ${where} entry ${i} uses symbol ${sym}, but the symbol table has ${nsyms}`, { hint: HINT_CORRUPT });
      }
      out.push({
        index: i,
        r_offset: u64(raw, off, `${where} entry ${i} r_offset`, this.path),
        r_info: u64(raw, off + 8, `${where} entry ${i} r_info`, this.path),
        r_addend: i64(raw, off + 16, `${where} entry ${i} r_addend`, this.path),
        sym,
        type,
      });
    }
    return out;
  }

  /** All notes of the file: from SHT_NOTE sections, or from PT_NOTE segments when there are none. */
  notes(): ElfNote[] {
    const noteSections = this.sections.filter((s) => s.sh_type === SHT_NOTE);
    if (noteSections.length > 0) {
      return noteSections.flatMap((s) => parseNotes(this.sectionData(s), s.sh_addralign, `${this.path}: section ${s.name}`));
    }
    return this.programHeaders
      .filter((p) => p.p_type === PT_NOTE)
      .flatMap((p) => parseNotes(this.data.subarray(p.p_offset, p.p_offset + p.p_filesz), p.p_align, `${this.path}: PT_NOTE at ${p.p_offset}`));
  }

  /** NT_GNU_BUILD_ID ("GNU") descriptor as lowercase hex, whatever its length. */
  buildId(): string | undefined {
    const note = this.notes().find((n) => n.n_type === NT_GNU_BUILD_ID && n.name === 'GNU');
    return note === undefined ? undefined : note.desc.toString('hex');
  }

  /** Entries of the SHT_DYNAMIC section up to (not including) DT_NULL. */
  dynamicEntries(): ElfDyn[] {
    const dyn = this.sections.find((s) => s.sh_type === SHT_DYNAMIC);
    if (dyn === undefined) return [];
    const raw = this.sectionData(dyn);
    const out: ElfDyn[] = [];
    for (let off = 0; off + ELF64_DYN_SIZE <= raw.length; off += ELF64_DYN_SIZE) {
      const d_tag = i64(raw, off, `.dynamic d_tag at ${off}`, this.path);
      if (d_tag === 0) break;
      out.push({ d_tag, d_val: u64(raw, off + 8, `.dynamic d_val at ${off}`, this.path) });
    }
    return out;
  }

  private checkTable(s: SectionHeader, entsize: number, where: string): void {
    if (s.sh_size % entsize !== 0 || (s.sh_entsize !== 0 && s.sh_entsize !== entsize)) {
      throw new TscareError('ELF_BAD_TABLE', `${this.path}: ${where} has sh_size ${s.sh_size} and sh_entsize ${s.sh_entsize}; expected entries of ${entsize} bytes`, { hint: HINT_CORRUPT });
    }
  }

  private linkedSymbolCount(rela: SectionHeader): number | undefined {
    if (rela.sh_link === 0) return undefined;
    const symtab = this.sectionAt(rela.sh_link, `relocation section ${rela.name} sh_link`);
    if (symtab.sh_type !== SHT_SYMTAB && symtab.sh_type !== SHT_DYNSYM) return undefined;
    return symtab.sh_size / ELF64_SYM_SIZE;
  }
}

function resolveSectionNames(sections: SectionHeader[], shstrndx: number, data: Buffer, path: string): void {
  if (sections.length === 0) return;
  const strtab = sections[shstrndx];
  if (strtab === undefined || strtab.sh_type !== SHT_STRTAB) {
    throw new TscareError('ELF_BAD_SECTION', `${path}: e_shstrndx ${shstrndx} is not a string table section (${sections.length} sections)`, { hint: HINT_CORRUPT });
  }
  const names = data.subarray(strtab.sh_offset, strtab.sh_offset + strtab.sh_size);
  for (const s of sections) {
    if (s.index === 0 && s.sh_name === 0) continue;
    s.name = cString(names, s.sh_name, `section ${s.index}`, path);
  }
}

export function readElfFile(path: string): ElfFile {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    throw new TscareError('ELF_READ', `${path}: cannot read: ${(e as Error).message}`, { hint: 'check the path and permissions', cause: e });
  }
  return ElfFile.parse(data, path);
}
