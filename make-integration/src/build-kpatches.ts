/**
 * The last step: for every executable ELF file of the original install tree with a twin
 * in the patched tree, build `<patchroot>/<build-id>.kpatch`.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildKpatch } from '@tscare/kpatch';
import { TscareError, isTscareError } from '@tscare/errors';
import { filterBinary, type BinaryFilter } from './glob.js';

export type BinaryOutcome =
  | { kind: 'built'; original: string; file: string; buildId: string; infoCount: number }
  | { kind: 'unchanged'; original: string; reason: string }
  /** Left out by tscare.toml's [binaries] globs. */
  | { kind: 'skipped'; original: string; reason: string }
  | { kind: 'failed'; original: string; error: TscareError };

export interface KpatchJob {
  originalDir: string;
  patchedDir: string;
  patchroot: string;
  workDir: string;
  patchId: string;
  buildId: string | undefined;
  binaries: BinaryFilter;
}

/** Regular files (symlinks are not followed, like `find -type f`) with any x bit. */
export function executableFiles(root: string): string[] {
  if (!existsSync(root)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath ?? entry.path, entry.name);
    // By content, not by mode: CMake and many distributions install shared libraries 0644.
    if (entry.isFile() && isLoadableElf(path)) found.push(path);
  }
  return found.sort();
}

/** An ELF executable or shared object (e_type ET_EXEC or ET_DYN), not an object file or archive. */
function isLoadableElf(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(18);
    if (readSync(fd, head, 0, 18, 0) !== 18) return false;
    const eType = head.readUInt16LE(16);
    return head.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46])) && (eType === 2 || eType === 3);
  } finally {
    closeSync(fd);
  }
}

export async function buildKpatches(job: KpatchJob): Promise<BinaryOutcome[]> {
  const outcomes: BinaryOutcome[] = [];
  // Two binaries with one build id (e.g. both given by -b) would overwrite each other's patch.
  const written = new Map<string, string>();
  for (const original of executableFiles(job.originalDir)) {
    const rel = relative(job.originalDir, original);
    const patched = join(job.patchedDir, rel);
    if (!existsSync(patched)) continue;
    const decision = filterBinary(rel, job.binaries);
    if (decision.kind === 'skip') {
      outcomes.push({ kind: 'skipped', original, reason: decision.reason });
      continue;
    }
    outcomes.push(await buildOne(job, original, patched, rel, written));
  }
  return outcomes;
}

async function buildOne(job: KpatchJob, original: string, patched: string, rel: string, written: Map<string, string>): Promise<BinaryOutcome> {
  try {
    const result = await buildKpatch({ original, patched, patchId: job.patchId, buildId: job.buildId, workDir: join(job.workDir, rel) });
    if (result.kind === 'no-patch') return { kind: 'unchanged', original, reason: result.reason };
    const file = join(job.patchroot, `${result.buildId}.kpatch`);
    const earlier = written.get(file);
    if (earlier !== undefined) {
      throw new TscareError('PATCHMAKE_DUPLICATE_BUILDID', `${original} and ${earlier} both have build id ${result.buildId}; ${file} would hold only one patch`, {
        hint: job.buildId === undefined ? 'give each binary its own build id (-Wl,--build-id)' : 'use -b only when one binary changes',
      });
    }
    written.set(file, original);
    mkdirSync(job.patchroot, { recursive: true });
    writeFileSync(file, result.bytes);
    return { kind: 'built', original, file, buildId: result.buildId, infoCount: result.infoCount };
  } catch (e) {
    if (!isTscareError(e)) throw e;
    return { kind: 'failed', original, error: e };
  }
}
