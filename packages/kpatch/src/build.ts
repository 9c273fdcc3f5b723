import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { TscareError } from '@tscare/errors';
import { ElfFile, readElfFile } from '@tscare/elf';
import { parseKpatch } from './reader.js';
import { makeKpatch, normalizeBuildId } from './make.js';
import { relFixup } from './rel-fixup.js';
import { stripToPatch } from './strip.js';
import { stripUnneeded } from './strip-unneeded.js';
import { undoLink } from './undo-link.js';

export type BuildKpatchResult =
  | { kind: 'built'; buildId: string; bytes: Buffer; infoCount: number }
  | { kind: 'no-patch'; reason: string };

export interface BuildKpatchOptions {
  /** The deployed binary (no -Wl,-q needed). */
  original: string;
  /** Its twin built from tscare-gensrc output and linked with -Wl,-q. */
  patched: string;
  patchId: string;
  /** Overrides the original's build id. */
  buildId?: string;
  /** When set, every intermediate stage is written there (`<name>.stripped`, `.fixup`, `.unneeded`, `.undolink`). */
  workDir?: string;
  /** Seconds since the epoch for the header; default now. */
  buildTime?: number;
}

function originalBuildId(orig: ElfFile, override: string | undefined): string {
  if (override !== undefined) return normalizeBuildId(override);
  const id = orig.buildId();
  if (id === undefined || id.length === 0) {
    throw new TscareError('KPATCH_NO_BUILDID', `${orig.path}: has no NT_GNU_BUILD_ID note`, { hint: 'link the original with -Wl,--build-id or pass the build id with -b' });
  }
  return normalizeBuildId(id);
}

/**
 * The whole chain of LibcarePlus's per-binary build (strip, rel-fixup, strip
 * --strip-unneeded, undo-link, make), in process, with the result verified by the same
 * reader the applier uses.
 */
export async function buildKpatch(opts: BuildKpatchOptions): Promise<BuildKpatchResult> {
  const patched = readElfFile(opts.patched);
  if (!patched.sections.some((s) => s.name.startsWith('.kpatch'))) {
    return { kind: 'no-patch', reason: `${opts.patched} has no .kpatch sections (no function changed)` };
  }
  const orig = readElfFile(opts.original);
  const buildId = originalBuildId(orig, opts.buildId);
  const stage = async (suffix: string, data: Buffer): Promise<ElfFile> => {
    // Without a work directory the stages exist only in memory; errors then name the patched binary.
    const path = opts.workDir === undefined ? opts.patched : join(opts.workDir, `${basename(opts.patched)}.${suffix}`);
    if (opts.workDir !== undefined) {
      await mkdir(opts.workDir, { recursive: true });
      await writeFile(path, data);
    }
    return ElfFile.parse(data, path);
  };
  const stripped = await stage('stripped', stripToPatch(patched));
  const fixed = await stage('fixup', relFixup(orig, stripped));
  const unneeded = await stage('unneeded', stripUnneeded(fixed));
  const linked = await stage('undolink', undoLink(orig, unneeded));
  const bytes = makeKpatch({ buildId, patchId: opts.patchId, payload: linked.data, buildTime: opts.buildTime });
  const verified = parseKpatch(bytes, `.kpatch built from ${opts.patched}`);
  return { kind: 'built', buildId, bytes, infoCount: verified.infoCount };
}
