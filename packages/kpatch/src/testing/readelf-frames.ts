/**
 * Test support: the `.eh_frame` records as binutils sees them (`readelf --debug-dump=frames`),
 * an independent decoder to check ours against. readelf only dumps a section named
 * `.eh_frame`, so `framesOfBytes` wraps other bytes in a tiny object file under that name.
 */
import { ET_REL, EM_X86_64, SHT_PROGBITS, SHT_STRTAB, StringTableBuilder, writeElf, type SectionHeader } from '@tscare/elf';
import { tool, type Scratch } from './toolchain.js';

export interface ReadelfRecord {
  offset: number;
  /** The length field (record size - 4). */
  length: number;
  kind: 'CIE' | 'FDE';
  /** FDE: offset of its CIE. */
  cie?: number;
  /** FDE: [pc_begin, pc_end) as readelf computed them (meaningless before relocation). */
  pc?: [number, number];
  /** Everything readelf printed under the header, with the absolute `to <pc>` of advance_loc cut. */
  body: string[];
}

export interface ReadelfFrames {
  records: ReadelfRecord[];
  zeroTerminators: number[];
}

const HEADER = /^([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+) (CIE|FDE)(?: cie=([0-9a-f]+) pc=([0-9a-f]+)\.\.([0-9a-f]+))?/;

export function parseReadelfFrames(text: string): ReadelfFrames {
  const out: ReadelfFrames = { records: [], zeroTerminators: [] };
  let current: ReadelfRecord | undefined;
  for (const line of text.split('\n')) {
    const zero = /^([0-9a-f]+) ZERO terminator/.exec(line);
    const m = HEADER.exec(line);
    if (zero !== null) {
      out.zeroTerminators.push(parseInt(zero[1], 16));
      current = undefined;
    } else if (m !== null) {
      current = { offset: parseInt(m[1], 16), length: parseInt(m[2], 16), kind: m[4] as 'CIE' | 'FDE', body: [] };
      if (m[5] !== undefined) {
        current.cie = parseInt(m[5], 16);
        current.pc = [parseInt(m[6], 16), parseInt(m[7], 16)];
      }
      out.records.push(current);
    } else if (current !== undefined && line.startsWith('  ')) {
      current.body.push(line.trim().replace(/ to [0-9a-f]+$/, ''));
    }
  }
  return out;
}

export function readelfFrames(path: string): ReadelfFrames {
  return parseReadelfFrames(tool('readelf', ['--debug-dump=frames', path]));
}

/** readelf's view of `data` as the .eh_frame of an otherwise empty x86_64 object. */
export function framesOfBytes(s: Scratch, name: string, data: Buffer): ReadelfFrames {
  const names = new StringTableBuilder();
  const section = (index: number, n: string, sh_type: number): SectionHeader => ({
    index, name: n, sh_name: names.add(n), sh_type, sh_flags: 0, sh_addr: 0, sh_offset: 0, sh_size: 0, sh_link: 0, sh_info: 0, sh_addralign: 1, sh_entsize: 0,
  });
  const headers = [section(0, '', 0), section(1, '.eh_frame', SHT_PROGBITS), section(2, '.shstrtab', SHT_STRTAB)];
  const header = {
    e_type: ET_REL, e_machine: EM_X86_64, e_version: 1, e_entry: 0, e_phoff: 0, e_shoff: 0, e_flags: 0, e_ehsize: 64,
    e_phentsize: 0, e_phnum: 0, e_shentsize: 64, e_shnum: 3, e_shstrndx: 2,
  };
  const file = writeElf({ header, sections: [{ header: headers[0], data: Buffer.alloc(0) }, { header: headers[1], data }, { header: headers[2], data: names.build() }] });
  return readelfFrames(s.write(name, file));
}
