import { TscareError } from '@tscare/errors';
import { alignUp } from '@tscare/elf';
import { encodeKpatchHeader, KPATCH_BUILDID_MAX, KPATCH_HEADER_SIZE, KPATCH_ID_MAX, KPATCH_MAGIC } from './header.js';

export interface MakeKpatchOptions {
  /** Build id of the ORIGINAL object, hex; longer ids are cut to 40 characters as kpatch_make does. */
  buildId: string;
  /** Patch id, 1–7 printable characters. */
  patchId: string;
  /** The stripped, fixed-up, undo-linked ELF (ET_REL). */
  payload: Buffer;
  /** Seconds since the epoch; default: now. */
  buildTime?: number;
}

/** Lowercase build id as stored in the header (first 20 bytes of the note at most). */
export function normalizeBuildId(buildId: string): string {
  const id = buildId.trim().toLowerCase();
  if (!/^(?:[0-9a-f]{2})+$/.test(id)) {
    throw new TscareError('KPATCH_BAD_BUILDID', `build id "${buildId}" is not a hex string`, { hint: 'pass the build id of the original binary as printed by readelf -n' });
  }
  return id.slice(0, KPATCH_BUILDID_MAX);
}

export function checkPatchId(patchId: string): void {
  if (patchId.length === 0 || patchId.length > KPATCH_ID_MAX || !/^[\x21-\x7e]+$/.test(patchId)) {
    throw new TscareError('KPATCH_BAD_ID', `patch id "${patchId}" must be 1-${KPATCH_ID_MAX} printable characters without spaces`, { hint: 'choose a short id such as 0001' });
  }
}

/**
 * `kpatch_make`: the 504-byte header followed by the payload zero-padded to a multiple
 * of 16. Byte-identical to LibcarePlus output for the same inputs and build_time.
 */
export function makeKpatch(opts: MakeKpatchOptions): Buffer {
  checkPatchId(opts.patchId);
  const buildid = normalizeBuildId(opts.buildId);
  if (opts.payload.length < 4 || opts.payload.toString('latin1', 0, 4) !== '\x7fELF') {
    throw new TscareError('KPATCH_BAD_ELF', 'the payload is not an ELF file', { hint: 'pass the output of tscare-kpatch undo-link' });
  }
  const elfSize = alignUp(opts.payload.length, 16);
  const total = KPATCH_HEADER_SIZE + elfSize;
  const header = encodeKpatchHeader({
    magic: KPATCH_MAGIC, id: opts.patchId, flags: 0, safety_method: 0, modulename: '', buildid,
    build_time: opts.buildTime ?? Math.floor(Date.now() / 1000), csum: 0, nr_reloc: 0,
    kpatch_offset: KPATCH_HEADER_SIZE, rel_offset: KPATCH_HEADER_SIZE, total_size: total,
    jmp_offset: 0, elf_offset: 0, kpatch_total_mem_sz: 0, user_undo: 0, user_info: 0, user_level: 0,
  });
  const out = Buffer.alloc(total);
  header.copy(out, 0);
  opts.payload.copy(out, KPATCH_HEADER_SIZE);
  return out;
}
