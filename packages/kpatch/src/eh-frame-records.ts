/**
 * The record structure of an `.eh_frame` section (LSB 5.0 "Exception Frames"): a sequence
 * of CIEs and FDEs, each a 4-byte length followed by a 4-byte id, ended by a zero length.
 * Only the framing is read here: which bytes form a record and which CIE an FDE uses.
 * The augmentation and the call-frame instructions are copied as they are, so nothing
 * else of DWARF has to be understood to move records between sections.
 */
import { TscareError } from '@tscare/errors';
import { alignUp } from '@tscare/elf';

export interface EhCie { kind: 'cie'; offset: number; size: number }
/** `cie`: offset of the CIE the FDE's CIE-pointer field (at offset + 4) names. */
export interface EhFde { kind: 'fde'; offset: number; size: number; cie: number }
export type EhRecord = EhCie | EhFde;

/** Offset of an FDE's CIE-pointer field: "distance from this field back to its CIE". */
export const FDE_CIE_POINTER = 4;
/** Offset of an FDE's pc_begin field, whatever its encoding. */
export const FDE_PC_BEGIN = 8;
/** Bytes reserved after the records for libgcc's `struct object`, which `__register_frame_info` fills in (48-56 bytes). */
export const EH_OBJECT_RESERVED = 128;
/** A 64-bit DWARF record: the real length follows as 8 bytes. gcc and binutils never write one in .eh_frame. */
const DWARF64_ESCAPE = 0xffffffff;

export interface EhWalkOptions {
  /** Names the section in messages: file and section. */
  where: string;
  hint: string;
  /** Stop at the first zero length (as libgcc's walker does); otherwise skip zero words and read to the section's end (a link's .eh_frame ends with crtend's). */
  stopAtTerminator: boolean;
}

export interface EhWalk {
  records: EhRecord[];
  /** Offset of the terminator that stopped the walk, or the section's size. */
  end: number;
}

function malformed(opts: EhWalkOptions, offset: number, problem: string): TscareError {
  return new TscareError('KPATCH_BAD_EH_FRAME', `${opts.where}: record at offset 0x${offset.toString(16)}: ${problem}`, { hint: opts.hint });
}

/** One record at `off` (its length is non-zero), checked against the CIEs seen before it. */
function readRecord(data: Buffer, off: number, length: number, cies: Set<number>, opts: EhWalkOptions): EhRecord {
  if (length === DWARF64_ESCAPE) throw malformed(opts, off, 'has a 64-bit DWARF length, which is not supported');
  const size = 4 + length;
  if (length < 4 || off + size > data.length) {
    throw malformed(opts, off, `length ${length} runs past the end of the section (${data.length} bytes) or leaves no room for the id`);
  }
  const id = data.readUInt32LE(off + FDE_CIE_POINTER);
  if (id === 0) return { kind: 'cie', offset: off, size };
  const cie = off + FDE_CIE_POINTER - id;
  if (!cies.has(cie)) throw malformed(opts, off, `the FDE's CIE pointer 0x${id.toString(16)} does not land on a CIE before it`);
  if (length < FDE_PC_BEGIN) throw malformed(opts, off, `the FDE is ${length} bytes long, too short for pc_begin`);
  return { kind: 'fde', offset: off, size, cie };
}

/** Walks the records of `data` in order. */
export function walkEhFrame(data: Buffer, opts: EhWalkOptions): EhWalk {
  const records: EhRecord[] = [];
  const cies = new Set<number>();
  let off = 0;
  while (off + 4 <= data.length) {
    const length = data.readUInt32LE(off);
    if (length === 0) {
      if (opts.stopAtTerminator) return { records, end: off };
      off += 4;
      continue;
    }
    const rec = readRecord(data, off, length, cies, opts);
    if (rec.kind === 'cie') cies.add(rec.offset);
    records.push(rec);
    off += rec.size;
  }
  if (off !== data.length) throw malformed(opts, off, `${data.length - off} stray bytes at the end of the section`);
  return { records, end: off };
}

/**
 * Where the parts of a `.kpatch.eh_frame` are (see kpatch-eh-frame.ts): the records end at
 * the zero terminator (`recordsEnd`); the reserved registration record starts at the next
 * multiple of 8 (`objectOffset`) and fills the rest of the section. Meant for the bytes of
 * the file (before libgcc has written its record). Refuses a section that is not laid out
 * that way, naming what is wrong.
 */
export function ehFrameLayout(data: Buffer, where = '.kpatch.eh_frame'): { recordsEnd: number; objectOffset: number } {
  const opts = { where, hint: 'the patch file is corrupt or was not made by tscare-kpatch strip; rebuild it', stopAtTerminator: true };
  const { end } = walkEhFrame(data, opts);
  if (end + 4 > data.length) throw malformed(opts, end, 'the records are not followed by a zero terminator');
  const objectOffset = alignUp(end + 4, 8);
  if (data.length !== objectOffset + EH_OBJECT_RESERVED) {
    throw malformed(opts, end, `the section is ${data.length} bytes; expected the terminator, padding to 8 and ${EH_OBJECT_RESERVED} reserved bytes (${objectOffset + EH_OBJECT_RESERVED})`);
  }
  if (data.subarray(end, data.length).some((b) => b !== 0)) {
    throw malformed(opts, end, 'the terminator, padding or reserved registration record is not all zero');
  }
  return { recordsEnd: end, objectOffset };
}
