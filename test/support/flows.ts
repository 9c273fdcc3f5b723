/**
 * The two ways every end-to-end case is built, as in LibcarePlus's own suite:
 * through the orchestrator (tscare-patch-make) and step by step with the low-level tools
 * (gcc -S, tscare-gensrc, link with -Wl,-q, tscare-kpatch strip/rel-fixup/undo-link/make).
 * A failure in one flow and not the other shows which layer broke.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PatchCase } from './cases.js';
import { tool } from './paths.js';
import { runOk } from './run.js';

export interface BuiltPatch {
  /** The original program, as deployed. */
  binary: string;
  /** The .kpatch file built for it. */
  kpatch: string;
  buildId: string;
}

export type FlowName = 'patch-make' | 'manual';

export function buildPatch(flow: FlowName, c: PatchCase, workDir: string): BuiltPatch {
  return flow === 'patch-make' ? buildWithPatchMake(c, workDir) : buildByHand(c, workDir);
}

function copyTree(from: string, to: string): void {
  fs.cpSync(from, to, {
    recursive: true,
    filter: (src) => !/(^|\/)(lpmake|\.lpmaketmp|patchroot)$/.test(src) && !/\.o$/.test(src),
  });
}

/** The build id as readelf prints it: an independent check of our own ELF reader. */
export function readelfBuildId(binary: string): string {
  const notes = runOk('readelf', ['-n', binary]).stdout;
  const m = /Build ID: ([0-9a-f]+)/.exec(notes);
  if (!m) throw new Error(`${binary} has no build id`);
  return m[1];
}

function buildWithPatchMake(c: PatchCase, workDir: string): BuiltPatch {
  const src = path.join(workDir, 'tree');
  copyTree(c.sourceDir, src);
  runOk(tool('tscare-patch-make'), ['--clean', '-i', '0001', c.patch], { cwd: src });
  const binary = path.join(src, 'lpmake', c.program);
  const buildId = readelfBuildId(binary);
  const kpatch = path.join(src, 'patchroot', `${buildId}.kpatch`);
  if (!fs.existsSync(kpatch)) throw new Error(`tscare-patch-make made no ${kpatch}`);
  return { binary, kpatch, buildId };
}

function buildByHand(c: PatchCase, workDir: string): BuiltPatch {
  const orig = path.join(workDir, 'orig');
  const patched = path.join(workDir, 'patched');
  copyTree(c.sourceDir, orig);
  copyTree(c.sourceDir, patched);
  runOk('patch', ['-p1', '-i', path.join(c.sourceDir, c.patch)], { cwd: patched });

  const merged: string[] = [];
  const originals: string[] = [];
  for (const source of c.sources) {
    const base = path.basename(source).replace(/\.[^.]+$/, '');
    const origAsm = path.join(workDir, `${base}.s`);
    const patchedAsm = path.join(workDir, `${base}.patched.s`);
    const mergedAsm = path.join(workDir, `${base}.merged.s`);
    runOk(c.compiler, [...c.cflags, '-S', path.join(orig, source), '-o', origAsm]);
    runOk(c.compiler, [...c.cflags, '-S', path.join(patched, source), '-o', patchedAsm]);
    runOk(tool('tscare-gensrc'), ['-i', origAsm, '-i', patchedAsm, '-o', mergedAsm]);
    originals.push(origAsm);
    merged.push(mergedAsm);
  }
  // The program may be installed below a prefix (usr/local/bin/x); by hand it is built here.
  const program = path.basename(c.program);
  const binary = path.join(workDir, program);
  const patchedBinary = path.join(workDir, `${program}.patched`);
  runOk(c.compiler, ['-o', binary, ...originals, ...c.ldflags]);
  runOk(c.compiler, ['-o', patchedBinary, ...merged, ...c.ldflags, '-Wl,-q']);

  const stripped = path.join(workDir, `${program}.stripped`);
  const kpatchTool = tool('tscare-kpatch');
  runOk(kpatchTool, ['strip', patchedBinary, stripped]);
  runOk(kpatchTool, ['rel-fixup', binary, stripped]);
  runOk('strip', ['--strip-unneeded', stripped]);
  runOk(kpatchTool, ['undo-link', binary, stripped]);
  const buildId = runOk(kpatchTool, ['build-id', binary]).stdout.trim();
  if (buildId !== readelfBuildId(binary)) throw new Error(`tscare-kpatch build-id ${binary} disagrees with readelf`);
  const kpatch = path.join(workDir, `${buildId}.kpatch`);
  runOk(kpatchTool, ['make', '-b', buildId, '-i', '0001', '-o', kpatch, stripped]);
  return { binary, kpatch, buildId };
}
