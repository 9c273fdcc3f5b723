import { TscareError } from '@tscare/errors';
import { KPATCH_INFO_ENTRY_SIZE } from './header.js';

/** One `struct kpatch_info` (48 bytes; the last 4 are padding). */
export interface KpatchInfoEntry {
  daddr: number;
  saddr: number;
  dlen: number;
  slen: number;
  symstr: number;
  vaddr: number;
  flags: number;
}

/** Bit 31 of `flags`: set only in the doctor's local copy. */
export const KPATCH_INFO_PATCH_APPLIED = 0x80000000;

function u64(buf: Buffer, off: number, name: string): number {
  const v = buf.readBigUInt64LE(off);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new TscareError('KPATCH_BAD_INFO', `.kpatch.info entry at ${off - (off % KPATCH_INFO_ENTRY_SIZE)}: ${name} = 0x${v.toString(16)} is out of range`, {
      hint: 'the patch file is corrupt; rebuild it',
    });
  }
  return Number(v);
}

/** True for the end marker: the first 24 bytes (daddr, saddr, dlen, slen) are zero. */
export function isInfoTerminator(buf: Buffer, off: number): boolean {
  for (let i = off; i < off + 24; i++) if (buf[i] !== 0) return false;
  return true;
}

/**
 * Decodes entries until the all-zero 24-byte terminator, or until less than a whole
 * entry is left (a table read from a file without its terminator).
 */
export function decodeInfoEntries(buf: Buffer): KpatchInfoEntry[] {
  const out: KpatchInfoEntry[] = [];
  for (let off = 0; off + 24 <= buf.length && !isInfoTerminator(buf, off); off += KPATCH_INFO_ENTRY_SIZE) {
    if (off + KPATCH_INFO_ENTRY_SIZE > buf.length) break;
    out.push({
      daddr: u64(buf, off, 'daddr'),
      saddr: u64(buf, off + 8, 'saddr'),
      dlen: buf.readUInt32LE(off + 16),
      slen: buf.readUInt32LE(off + 20),
      symstr: u64(buf, off + 24, 'symstr'),
      vaddr: u64(buf, off + 32, 'vaddr'),
      flags: buf.readUInt32LE(off + 40),
    });
  }
  return out;
}

/** Encodes entries followed by the 24-byte zero terminator. */
export function encodeInfoEntries(entries: KpatchInfoEntry[]): Buffer {
  const buf = Buffer.alloc(entries.length * KPATCH_INFO_ENTRY_SIZE + 24);
  entries.forEach((e, i) => {
    const off = i * KPATCH_INFO_ENTRY_SIZE;
    buf.writeBigUInt64LE(BigInt(e.daddr), off);
    buf.writeBigUInt64LE(BigInt(e.saddr), off + 8);
    buf.writeUInt32LE(e.dlen, off + 16);
    buf.writeUInt32LE(e.slen, off + 20);
    buf.writeBigUInt64LE(BigInt(e.symstr), off + 24);
    buf.writeBigUInt64LE(BigInt(e.vaddr), off + 32);
    buf.writeUInt32LE(e.flags >>> 0, off + 40);
  });
  return buf;
}
