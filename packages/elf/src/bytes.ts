import { TscareError } from '@tscare/errors';

/**
 * Bounds-checked little-endian reads that turn 64-bit fields into plain numbers.
 * Every ELF field tscare handles is an address, offset or size of a real file or
 * process, all far below 2^53; a larger value means a corrupt file, so it is refused
 * instead of silently losing precision.
 */
export function checkRange(buf: Buffer, off: number, len: number, what: string, path: string): void {
  if (!Number.isSafeInteger(off) || off < 0 || off + len > buf.length) {
    throw new TscareError('ELF_TRUNCATED', `${path}: ${what} at offset ${off} (+${len}) lies outside the file (${buf.length} bytes)`, {
      hint: 'the file is truncated or corrupt; rebuild it',
    });
  }
}

export function toSafe(v: bigint, what: string, path: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new TscareError('ELF_VALUE_RANGE', `${path}: ${what} = 0x${v.toString(16)} is too large to handle`, {
      hint: 'the file is corrupt or not a normal ELF64 object',
    });
  }
  return Number(v);
}

export function u64(buf: Buffer, off: number, what: string, path: string): number {
  return toSafe(buf.readBigUInt64LE(off), what, path);
}

export function i64(buf: Buffer, off: number, what: string, path: string): number {
  return toSafe(buf.readBigInt64LE(off), what, path);
}

/** A NUL-terminated string starting at `off` inside `table`; the NUL must be inside. */
export function cString(table: Buffer, off: number, what: string, path: string): string {
  if (off >= table.length) {
    throw new TscareError('ELF_BAD_STRING', `${path}: ${what}: name offset ${off} is outside its string table (${table.length} bytes)`, {
      hint: 'the file is corrupt; rebuild it',
    });
  }
  const end = table.indexOf(0, off);
  if (end < 0) {
    throw new TscareError('ELF_BAD_STRING', `${path}: ${what}: name at offset ${off} is not NUL-terminated`, {
      hint: 'the file is corrupt; rebuild it',
    });
  }
  return table.toString('latin1', off, end);
}

export function alignUp(v: number, align: number): number {
  return align <= 1 ? v : Math.ceil(v / align) * align;
}
