/**
 * Applies the user's patches to the source tree IN MEMORY first (jsdiff's parsePatch /
 * applyPatch, `patch -p1` semantics), so that a patch that does not apply leaves every
 * file untouched and the error names the patch, the file and the hunk.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { applyPatch, parsePatch, type StructuredPatch } from 'diff';
import { TscareError } from '@tscare/errors';

/**
 * One file the patches change. Contents are latin1 strings: one char per byte, so any
 * encoding survives the round trip exactly. `null` = the file does not exist.
 */
export interface FileChange {
  /** Relative to the project directory. */
  rel: string;
  before: string | null;
  after: string | null;
  /** Mode of the original (for a file the patch deletes) or 0o644 for a new one. */
  mode: number;
}

const DEV_NULL = '/dev/null';

export function planPatches(patchFiles: readonly string[], srcdir: string, projectDir: string): FileChange[] {
  const changes = new Map<string, FileChange>();
  for (const patchFile of patchFiles) {
    // Patch paths are as the user typed them, relative to the project directory.
    const parsed = parsePatchFile(patchFile, resolve(projectDir, patchFile));
    for (const filePatch of parsed) applyFilePatch(changes, patchFile, filePatch, srcdir, projectDir);
  }
  return [...changes.values()].filter((c) => c.before !== c.after);
}

function parsePatchFile(patchFile: string, path: string): StructuredPatch[] {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (e) {
    throw new TscareError('PATCHMAKE_PATCH_UNREADABLE', `cannot read patch ${patchFile}: ${(e as Error).message}`);
  }
  let parsed: StructuredPatch[];
  try {
    parsed = parsePatch(text);
  } catch (e) {
    throw new TscareError('PATCHMAKE_PATCH_SYNTAX', `${patchFile}: not a unified diff: ${(e as Error).message}`);
  }
  if (!parsed.some((p) => p.hunks.length > 0)) {
    throw new TscareError('PATCHMAKE_PATCH_EMPTY', `${patchFile}: contains no hunks`, { hint: 'give a unified diff (diff -u, git diff)' });
  }
  return parsed;
}

/**
 * `patch -p1` in srcdir: drop the first path component (a/, b/). The file must stay inside
 * srcdir, also through symbolic links. The result is relative to the project directory
 * (where tscare-patch-make runs), so with `-s ..` it starts with `../`.
 */
export function targetOf(filePatch: StructuredPatch, patchFile: string, srcdir: string, projectDir: string): string {
  const name = filePatch.newFileName !== DEV_NULL ? filePatch.newFileName : filePatch.oldFileName;
  const slash = name?.indexOf('/') ?? -1;
  if (name === undefined || slash < 0 || slash === name.length - 1) {
    throw new TscareError('PATCHMAKE_PATCH_PATH', `${patchFile}: cannot take a file name from "${name ?? ''}" with -p1`);
  }
  const top = resolve(projectDir, srcdir);
  const abs = resolve(top, name.slice(slash + 1));
  if (abs === top || !inside(top, abs) || !inside(realpathSync(top), realpathSync(existingAncestor(dirname(abs))))) {
    throw new TscareError('PATCHMAKE_PATCH_PATH', `${patchFile}: ${name} points outside the source directory ${top}`);
  }
  return relative(projectDir, abs);
}

/** `path` is `top` itself or below it. */
function inside(top: string, path: string): boolean {
  const rel = relative(top, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function existingAncestor(dir: string): string {
  let d = dir;
  while (!existsSync(d)) d = dirname(d);
  return d;
}

function applyFilePatch(changes: Map<string, FileChange>, patchFile: string, fp: StructuredPatch, srcdir: string, projectDir: string): void {
  if (fp.hunks.length === 0) return;
  const rel = targetOf(fp, patchFile, srcdir, projectDir);
  const known = changes.get(rel) ?? readCurrent(rel, projectDir);
  const creates = fp.oldFileName === DEV_NULL;
  if (creates !== (known.after === null)) {
    const what = creates ? 'creates it but it exists' : 'changes it but it does not exist';
    throw new TscareError('PATCHMAKE_PATCH_FAILED', `${patchFile}: ${rel}: the patch ${what}`);
  }
  const result = applyPatch(known.after ?? '', fp);
  if (result === false) throw hunkError(patchFile, rel, fp, known.after ?? '');
  changes.set(rel, { ...known, after: fp.newFileName === DEV_NULL ? null : result });
}

function readCurrent(rel: string, projectDir: string): FileChange {
  const abs = resolve(projectDir, rel);
  if (!existsSync(abs)) return { rel, before: null, after: null, mode: 0o644 };
  const text = readFileSync(abs, 'latin1');
  return { rel, before: text, after: text, mode: statSync(abs).mode & 0o7777 };
}

/** applyPatch only says "no": find the first hunk that does not fit, for the message. */
function hunkError(patchFile: string, rel: string, fp: StructuredPatch, text: string): TscareError {
  let current = text;
  for (const [i, hunk] of fp.hunks.entries()) {
    const next = applyPatch(current, { ...fp, hunks: [hunk] });
    if (next === false) {
      const header = `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`;
      return new TscareError('PATCHMAKE_PATCH_FAILED', `${patchFile}: hunk #${i + 1} (${header}) does not apply to ${rel}`, {
        hint: 'the patch must apply to the tree as it is now (patch -p1 from the top of the tree)',
      });
    }
    current = next;
  }
  return new TscareError('PATCHMAKE_PATCH_FAILED', `${patchFile}: does not apply to ${rel}`);
}
