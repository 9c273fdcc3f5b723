/**
 * Test support: deterministic mutants of a good `.kpatch` for fuzzing the reader. Mutant `i`
 * depends only on (good file, seed, i), so any failure can be replayed alone. Besides
 * truncations and bit flips, most mutants set STRUCTURED fields (header offsets and sizes,
 * the ELF header, every section header, symbol, relocation and info entry) to boundary
 * values, so that offsets and counts point out of range in every table.
 */
import { SHT_RELA, SHT_SYMTAB } from '@tscare/elf';
import { KPATCH_HEADER_SIZE, KPATCH_INFO_ENTRY_SIZE, OFF } from '../header.js';
import { parseKpatch } from '../reader.js';

export interface Field {
  name: string;
  offset: number;
  width: 1 | 2 | 4 | 8;
}

export interface Mutant {
  data: Buffer;
  /** What was done, for the failure message. */
  what: string;
}

/** mulberry32: small, fast, and the same on every machine. */
export function rng(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function headerFields(): Field[] {
  const u32 = ['csum', 'nr_reloc', 'kpatch_offset', 'rel_offset', 'total_size', 'jmp_offset', 'elf_offset', 'user_undo', 'user_info', 'user_level'] as const;
  return [
    ...u32.map((n) => ({ name: `header.${n}`, offset: OFF[n], width: 4 as const })),
    { name: 'header.build_time', offset: OFF.build_time, width: 8 },
    { name: 'header.kpatch_total_mem_sz', offset: OFF.kpatch_total_mem_sz, width: 8 },
    { name: 'header.id[0]', offset: OFF.id, width: 8 },
    { name: 'header.buildid[0]', offset: OFF.buildid, width: 8 },
    { name: 'header.buildid[38]', offset: OFF.buildid + 38, width: 2 },
  ];
}

const EHDR: [string, number, Field['width']][] = [
  ['e_ident.class', 4, 1], ['e_ident.data', 5, 1], ['e_type', 16, 2], ['e_machine', 18, 2], ['e_phoff', 32, 8], ['e_shoff', 40, 8],
  ['e_ehsize', 52, 2], ['e_phentsize', 54, 2], ['e_phnum', 56, 2], ['e_shentsize', 58, 2], ['e_shnum', 60, 2], ['e_shstrndx', 62, 2],
];
const SHDR: [string, number, Field['width']][] = [
  ['sh_name', 0, 4], ['sh_type', 4, 4], ['sh_flags', 8, 8], ['sh_offset', 24, 8], ['sh_size', 32, 8], ['sh_link', 40, 4],
  ['sh_info', 44, 4], ['sh_addralign', 48, 8], ['sh_entsize', 56, 8],
];
const SYM: [string, number, Field['width']][] = [['st_name', 0, 4], ['st_info', 4, 1], ['st_shndx', 6, 2], ['st_value', 8, 8], ['st_size', 16, 8]];
const RELA: [string, number, Field['width']][] = [['r_offset', 0, 8], ['r_info.type', 8, 4], ['r_info.sym', 12, 4], ['r_addend', 16, 8]];
const INFO: [string, number, Field['width']][] = [['daddr', 0, 8], ['saddr', 8, 8], ['dlen', 16, 4], ['slen', 20, 4]];

function records(prefix: string, base: number, size: number, count: number, layout: [string, number, Field['width']][]): Field[] {
  const out: Field[] = [];
  for (let i = 0; i < count; i++) for (const [n, off, width] of layout) out.push({ name: `${prefix}[${i}].${n}`, offset: base + i * size + off, width });
  return out;
}

/** Every structured field of the good file, with its absolute offset in the file. */
export function structuredFields(good: Buffer): Field[] {
  const kp = parseKpatch(good, 'good.kpatch');
  const base = kp.header.kpatch_offset;
  const { elf } = kp;
  const fields = [...headerFields(), ...EHDR.map(([n, off, width]) => ({ name: `elf.${n}`, offset: base + off, width }))];
  fields.push(...records('shdr', base + elf.header.e_shoff, 64, elf.sections.length, SHDR));
  for (const s of elf.sections) {
    if (s.sh_type === SHT_SYMTAB) fields.push(...records(`${s.name}`, base + s.sh_offset, 24, s.sh_size / 24, SYM));
    if (s.sh_type === SHT_RELA) fields.push(...records(`${s.name}`, base + s.sh_offset, 24, s.sh_size / 24, RELA));
  }
  const info = kp.infoSection;
  fields.push(...records('.kpatch.info', base + info.sh_offset, KPATCH_INFO_ENTRY_SIZE, kp.infoCount + 1, INFO));
  return fields;
}

/** Values that break bounds checks: zero, all ones, sign bits, sizes around the file's length. */
function boundaryValue(next: () => number, current: bigint, fileLength: number, width: Field['width']): bigint {
  const max = (1n << BigInt(width * 8)) - 1n;
  const len = BigInt(fileLength);
  const picks = [0n, 1n, max, max >> 1n, (max >> 1n) + 1n, current + 1n, current - 1n, current * 2n, current + 0x1000n,
    len, len - 1n, len + 1n, len - BigInt(KPATCH_HEADER_SIZE), 1n << 31n, 1n << 32n, 1n << 53n, 1n << 63n,
    BigInt(Math.floor(next() * 2 ** 32)), BigInt(Math.floor(next() * 256))];
  return picks[Math.floor(next() * picks.length)] & max;
}

function readField(b: Buffer, f: Field): bigint {
  switch (f.width) {
    case 1: return BigInt(b.readUInt8(f.offset));
    case 2: return BigInt(b.readUInt16LE(f.offset));
    case 4: return BigInt(b.readUInt32LE(f.offset));
    case 8: return b.readBigUInt64LE(f.offset);
  }
}

function writeField(b: Buffer, f: Field, v: bigint): void {
  switch (f.width) {
    case 1: b.writeUInt8(Number(v), f.offset); break;
    case 2: b.writeUInt16LE(Number(v), f.offset); break;
    case 4: b.writeUInt32LE(Number(v), f.offset); break;
    case 8: b.writeBigUInt64LE(v, f.offset); break;
  }
}

function setFields(b: Buffer, fields: readonly Field[], next: () => number, count: number): string[] {
  const done: string[] = [];
  for (let k = 0; k < count; k++) {
    const f = fields[Math.floor(next() * fields.length)];
    const v = boundaryValue(next, readField(b, f), b.length, f.width);
    writeField(b, f, v);
    done.push(`${f.name}=0x${v.toString(16)}`);
  }
  return done;
}

function flipBits(b: Buffer, next: () => number, count: number): string[] {
  const done: string[] = [];
  for (let k = 0; k < count; k++) {
    const at = Math.floor(next() * b.length);
    const bit = Math.floor(next() * 8);
    b[at] ^= 1 << bit;
    done.push(`flip ${at}.${bit}`);
  }
  return done;
}

/** Mutant number `i` of `good` under `seed`. */
export function makeMutant(good: Buffer, fields: readonly Field[], seed: number, i: number): Mutant {
  const next = rng(seed ^ Math.imul(i + 1, 0x9e3779b1));
  const b = Buffer.from(good);
  const roll = next();
  const what: string[] = [];
  if (roll < 0.5) what.push(...setFields(b, fields, next, 1 + Math.floor(next() * 3)));
  else if (roll < 0.7) what.push(...flipBits(b, next, 1 + Math.floor(next() * 8)));
  else if (roll < 0.8) {
    const at = Math.floor(next() * b.length);
    const len = 1 + Math.floor(next() * 64);
    b.fill(next() < 0.5 ? 0 : 0xff, at, Math.min(b.length, at + len));
    what.push(`fill ${at}+${len}`);
  } else what.push(...setFields(b, fields, next, 1));
  // A third of all mutants are also cut short (the last group always): at any byte, or at a field.
  if (roll >= 0.8 || next() < 0.33) {
    const cut = next() < 0.5 ? Math.floor(next() * b.length) : fields[Math.floor(next() * fields.length)].offset;
    what.push(`truncate to ${cut}`);
    return { data: b.subarray(0, cut), what: what.join(', ') };
  }
  return { data: b, what: what.join(', ') };
}
