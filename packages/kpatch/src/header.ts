import { TscareError } from '@tscare/errors';

/**
 * The 504-byte LibcarePlus `struct kpatch_file` header. Offsets follow the reference
 * (§1.2); everything not listed is padding or a kernel leftover and stays zero.
 */
export const KPATCH_MAGIC = 'KPATCH1';
export const KPATCH_HEADER_SIZE = 504;
export const KPATCH_INFO_ENTRY_SIZE = 48;
/** `kpatch_strip --strip` appends this many zero bytes after the last info entry. */
export const KPATCH_INFO_TERMINATOR_SIZE = 24;
export const KPATCH_ID_MAX = 7;
export const KPATCH_BUILDID_MAX = 40;

export const OFF = {
  magic: 0,
  id: 8,
  flags: 16,
  safety_method: 17,
  modulename: 24,
  buildid: 88,
  build_time: 136,
  csum: 144,
  nr_reloc: 148,
  kpatch_offset: 152,
  rel_offset: 156,
  total_size: 160,
  jmp_offset: 164,
  elf_offset: 168,
  kpatch_total_mem_sz: 176,
  user_undo: 184,
  user_info: 188,
  user_level: 192,
} as const;
const LEN = { magic: 8, id: 8, modulename: 64, buildid: 41 } as const;

export interface KpatchHeader {
  magic: string;
  id: string;
  flags: number;
  safety_method: number;
  modulename: string;
  buildid: string;
  build_time: number;
  csum: number;
  nr_reloc: number;
  kpatch_offset: number;
  rel_offset: number;
  total_size: number;
  jmp_offset: number;
  elf_offset: number;
  kpatch_total_mem_sz: number;
  user_undo: number;
  user_info: number;
  user_level: number;
}

/** True when the first 8 bytes are exactly "KPATCH1\0" (the loader compares all 8). */
export function hasKpatchMagic(buf: Buffer): boolean {
  return buf.length >= LEN.magic && buf.subarray(0, LEN.magic).equals(Buffer.from(`${KPATCH_MAGIC}\0`, 'latin1'));
}

function fixedString(buf: Buffer, off: number, len: number): string {
  const field = buf.subarray(off, off + len);
  const nul = field.indexOf(0);
  return field.toString('latin1', 0, nul < 0 ? len : nul);
}

function u64Field(buf: Buffer, off: number, name: string, path: string): number {
  const v = buf.readBigUInt64LE(off);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new TscareError('KPATCH_BAD_HEADER', `${path}: header field ${name} = 0x${v.toString(16)} is out of range`, { hint: 'the patch file is corrupt; rebuild it' });
  }
  return Number(v);
}

/**
 * Decodes the header fields without judging them (the applier also reads headers of
 * patches already in a target's memory). Only requires 504 bytes.
 */
export function decodeKpatchHeader(buf: Buffer, path = '<buffer>'): KpatchHeader {
  if (buf.length < KPATCH_HEADER_SIZE) {
    throw new TscareError('KPATCH_TRUNCATED', `${path}: ${buf.length} bytes is shorter than the ${KPATCH_HEADER_SIZE}-byte kpatch header`, {
      hint: 'the patch file is truncated; copy or rebuild it',
    });
  }
  return {
    magic: fixedString(buf, OFF.magic, LEN.magic),
    id: fixedString(buf, OFF.id, LEN.id),
    flags: buf[OFF.flags],
    safety_method: buf[OFF.safety_method],
    modulename: fixedString(buf, OFF.modulename, LEN.modulename),
    buildid: fixedString(buf, OFF.buildid, LEN.buildid),
    build_time: u64Field(buf, OFF.build_time, 'build_time', path),
    csum: buf.readUInt32LE(OFF.csum),
    nr_reloc: buf.readUInt32LE(OFF.nr_reloc),
    kpatch_offset: buf.readUInt32LE(OFF.kpatch_offset),
    rel_offset: buf.readUInt32LE(OFF.rel_offset),
    total_size: buf.readUInt32LE(OFF.total_size),
    jmp_offset: buf.readUInt32LE(OFF.jmp_offset),
    elf_offset: buf.readUInt32LE(OFF.elf_offset),
    kpatch_total_mem_sz: u64Field(buf, OFF.kpatch_total_mem_sz, 'kpatch_total_mem_sz', path),
    user_undo: buf.readUInt32LE(OFF.user_undo),
    user_info: buf.readUInt32LE(OFF.user_info),
    user_level: buf.readUInt32LE(OFF.user_level),
  };
}

function putString(buf: Buffer, off: number, max: number, value: string, name: string): void {
  const bytes = Buffer.from(value, 'latin1');
  if (bytes.length > max || value.includes('\0')) {
    throw new TscareError('KPATCH_BAD_HEADER', `header field ${name} "${value}" is longer than ${max} characters or contains NUL`, {
      hint: `use at most ${max} characters`,
    });
  }
  bytes.copy(buf, off);
}

function putU32(buf: Buffer, off: number, v: number, name: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new TscareError('KPATCH_BAD_HEADER', `header field ${name} = ${v} does not fit in 32 bits`, { hint: 'the patch is too large for the kpatch format' });
  }
  buf.writeUInt32LE(v, off);
}

/**
 * Encodes exactly 504 bytes. Strings are NUL-padded like strncpy (magic and id keep a
 * trailing NUL, buildid at most 40 chars + NUL); all padding is zero.
 */
export function encodeKpatchHeader(h: KpatchHeader): Buffer {
  const buf = Buffer.alloc(KPATCH_HEADER_SIZE);
  putString(buf, OFF.magic, LEN.magic - 1, h.magic, 'magic');
  putString(buf, OFF.id, KPATCH_ID_MAX, h.id, 'id');
  buf[OFF.flags] = h.flags & 0xff;
  buf[OFF.safety_method] = h.safety_method & 0xff;
  putString(buf, OFF.modulename, LEN.modulename - 1, h.modulename, 'modulename');
  putString(buf, OFF.buildid, KPATCH_BUILDID_MAX, h.buildid, 'buildid');
  buf.writeBigUInt64LE(BigInt(h.build_time), OFF.build_time);
  putU32(buf, OFF.csum, h.csum, 'csum');
  putU32(buf, OFF.nr_reloc, h.nr_reloc, 'nr_reloc');
  putU32(buf, OFF.kpatch_offset, h.kpatch_offset, 'kpatch_offset');
  putU32(buf, OFF.rel_offset, h.rel_offset, 'rel_offset');
  putU32(buf, OFF.total_size, h.total_size, 'total_size');
  putU32(buf, OFF.jmp_offset, h.jmp_offset, 'jmp_offset');
  putU32(buf, OFF.elf_offset, h.elf_offset, 'elf_offset');
  buf.writeBigUInt64LE(BigInt(h.kpatch_total_mem_sz), OFF.kpatch_total_mem_sz);
  putU32(buf, OFF.user_undo, h.user_undo, 'user_undo');
  putU32(buf, OFF.user_info, h.user_info, 'user_info');
  putU32(buf, OFF.user_level, h.user_level, 'user_level');
  return buf;
}
