import { readFileSync } from 'node:fs';
import { TscareError } from '@tscare/errors';
import { SHT_NOBITS, SHT_RELA, type ElfFile, type SectionHeader } from '@tscare/elf';
import {
  decodeKpatchHeader, hasKpatchMagic, KPATCH_BUILDID_MAX, KPATCH_HEADER_SIZE, KPATCH_ID_MAX, KPATCH_INFO_ENTRY_SIZE,
  KPATCH_INFO_TERMINATOR_SIZE, type KpatchHeader,
} from './header.js';
import { isInfoTerminator } from './info.js';
import { checkPayloadTables, parsePayload } from './payload-check.js';

export interface KpatchFile {
  path: string;
  /** The whole file. */
  data: Buffer;
  header: KpatchHeader;
  /** The payload at kpatch_offset (bounded by total_size). */
  elf: ElfFile;
  infoSection: SectionHeader;
  infoCount: number;
}

const HINT_REBUILD = 'the patch file is corrupt or truncated; rebuild it with tscare-kpatch make (or copy it again)';
/** Upstream CloudLinux libcare puts its ELF here; same magic, different header. */
const UPSTREAM_HEADER_SIZE = 688;

/** Upstream CloudLinux libcare files share the magic but keep kpatch_offset (688) at byte 352. */
function checkNotUpstream(data: Buffer, h: KpatchHeader, path: string): void {
  if (h.kpatch_offset !== KPATCH_HEADER_SIZE && data.length >= UPSTREAM_HEADER_SIZE && data.readUInt32LE(352) === UPSTREAM_HEADER_SIZE) {
    throw new TscareError('KPATCH_UPSTREAM_FORMAT', `${path}: is an upstream CloudLinux libcare patch (688-byte header), not the LibcarePlus format`, {
      hint: 'rebuild the patch with tscare-kpatch (LibcarePlus format)',
    });
  }
}

function checkHeader(h: KpatchHeader, size: number, path: string): void {
  if (h.total_size > size) {
    throw new TscareError('KPATCH_TRUNCATED', `${path}: header says the patch is ${h.total_size} bytes, the file has ${size}`, { hint: HINT_REBUILD });
  }
  if (h.kpatch_offset < KPATCH_HEADER_SIZE || h.kpatch_offset % 8 !== 0 || h.kpatch_offset + 64 > h.total_size) {
    throw new TscareError('KPATCH_BAD_OFFSET', `${path}: kpatch_offset ${h.kpatch_offset} is not a valid ELF offset (must be >= ${KPATCH_HEADER_SIZE}, a multiple of 8, with 64 bytes before total_size ${h.total_size})`, {
      hint: HINT_REBUILD,
    });
  }
  if (h.id.length === 0 || h.id.length > KPATCH_ID_MAX || !/^[\x21-\x7e]+$/.test(h.id)) {
    throw new TscareError('KPATCH_BAD_ID', `${path}: patch id "${h.id}" is not 1-${KPATCH_ID_MAX} printable characters`, { hint: 'rebuild the patch with a valid -i ID' });
  }
  if (!/^(?:[0-9a-f]{2})+$/.test(h.buildid) || h.buildid.length > KPATCH_BUILDID_MAX) {
    throw new TscareError('KPATCH_BAD_BUILDID', `${path}: header build id "${h.buildid}" is not lowercase hex`, { hint: 'rebuild the patch with -b set to the original binary\'s build id' });
  }
}

function findInfoSection(elf: ElfFile, path: string): { infoSection: SectionHeader; infoCount: number } {
  const info = elf.sectionByName('.kpatch.info');
  if (info === undefined || info.sh_type === SHT_NOBITS) {
    throw new TscareError('KPATCH_BAD_INFO', `${path}: the embedded ELF has no .kpatch.info section with contents`, { hint: 'build the patched binary from tscare-gensrc output and run the whole strip chain' });
  }
  const { sh_size } = info;
  if (sh_size < KPATCH_INFO_TERMINATOR_SIZE || (sh_size - KPATCH_INFO_TERMINATOR_SIZE) % KPATCH_INFO_ENTRY_SIZE !== 0) {
    throw new TscareError('KPATCH_BAD_INFO', `${path}: .kpatch.info is ${sh_size} bytes, expected 48*n + 24 (entries + terminator)`, { hint: 'run tscare-kpatch strip on the patched binary (it appends the terminator)' });
  }
  const data = elf.sectionData(info);
  const infoCount = (sh_size - KPATCH_INFO_TERMINATOR_SIZE) / KPATCH_INFO_ENTRY_SIZE;
  if (!isInfoTerminator(data, sh_size - KPATCH_INFO_TERMINATOR_SIZE)) {
    throw new TscareError('KPATCH_BAD_INFO', `${path}: .kpatch.info does not end with the 24-byte zero terminator`, { hint: HINT_REBUILD });
  }
  checkInfoEntries(elf, info, data, infoCount, path);
  return { infoSection: info, infoCount };
}

/**
 * Every entry must describe code (slen > 0) and get its new address from a relocation;
 * a replaced function (dlen > 0) must also get its old address from one.
 */
function checkInfoEntries(elf: ElfFile, info: SectionHeader, data: Buffer, count: number, path: string): void {
  const relaSec = elf.sections.find((s) => s.sh_type === SHT_RELA && s.sh_info === info.index);
  const relocated = new Set((relaSec === undefined ? [] : elf.relocations(relaSec)).map((r) => r.r_offset));
  for (let i = 0; i < count; i++) {
    const off = i * KPATCH_INFO_ENTRY_SIZE;
    const dlen = data.readUInt32LE(off + 16);
    const slen = data.readUInt32LE(off + 20);
    const missing = slen === 0 ? 'slen is 0' : !relocated.has(off + 8) ? 'no relocation gives saddr'
      : dlen !== 0 && !relocated.has(off) ? 'no relocation gives daddr' : undefined;
    if (missing !== undefined) {
      throw new TscareError('KPATCH_BAD_INFO', `${path}: .kpatch.info entry ${i}: ${missing}`, { hint: HINT_REBUILD });
    }
  }
}

/**
 * Parses and verifies a whole `.kpatch` file before anyone uses it: header, payload ELF,
 * every table's bounds, and the info table.
 */
export function parseKpatch(data: Buffer, path: string): KpatchFile {
  const header = decodeKpatchHeader(data, path);
  if (!hasKpatchMagic(data)) {
    throw new TscareError('KPATCH_BAD_MAGIC', `${path}: not a kpatch file (magic is not "KPATCH1\\0")`, { hint: 'pass a .kpatch file made by tscare-kpatch or LibcarePlus kpatch_make' });
  }
  checkNotUpstream(data, header, path);
  checkHeader(header, data.length, path);
  const elf = parsePayload(data.subarray(header.kpatch_offset, header.total_size), path);
  checkPayloadTables(elf, path);
  const { infoSection, infoCount } = findInfoSection(elf, path);
  return { path, data, header, elf, infoSection, infoCount };
}

export function readKpatchFile(path: string): KpatchFile {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    throw new TscareError('KPATCH_READ', `${path}: cannot read: ${(e as Error).message}`, { hint: 'check the path and permissions', cause: e });
  }
  return parseKpatch(data, path);
}
