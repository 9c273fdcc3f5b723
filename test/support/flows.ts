/**
 * The two ways every end-to-end case is built, as in LibcarePlus's own suite:
 * through the orchestrator (tscare-patch-make) and step by step with the low-level tools
 * (gcc -S, tscare-gensrc, link with -Wl,-q, tscare-kpatch strip/rel-fixup/undo-link/make).
 * A failure in one flow and not the other shows which layer broke.
 * Each patch id of a case gets a folder of its own holding one BUILDID.kpatch per changed object.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CaseObject, PatchCase } from './cases.js';
import { tool } from './paths.js';
import { runOk } from './run.js';

export interface PatchSet {
  /** Folder with the set's BUILDID.kpatch files (nothing else). */
  dir: string;
  /** Build ids of the objects the set patches, sorted. */
  buildIds: string[];
}

export interface BuiltCase {
  /** The original program, as deployed. */
  binary: string;
  /** Patch id → its set, in the case's order. */
  sets: Map<string, PatchSet>;
}

export type FlowName = 'patch-make' | 'manual';

export function buildCase(flow: FlowName, c: PatchCase, workDir: string): BuiltCase {
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

/** Moves the .kpatch files of one build into the set's own folder. */
function collectSet(from: string, dir: string): PatchSet {
  const files = fs.existsSync(from) ? fs.readdirSync(from).filter((f) => f.endsWith('.kpatch')) : [];
  if (files.length === 0) throw new Error(`no .kpatch file was built in ${from}`);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of files) fs.renameSync(path.join(from, f), path.join(dir, f));
  return { dir, buildIds: files.map((f) => f.replace(/\.kpatch$/, '')).sort() };
}

function buildWithPatchMake(c: PatchCase, workDir: string): BuiltCase {
  const src = path.join(workDir, 'tree');
  copyTree(c.sourceDir, src);
  const sets = new Map<string, PatchSet>();
  c.patches.forEach(([id, diff], i) => {
    // The first run builds the original tree; later ids reuse it, as an operator would.
    runOk(tool('tscare-patch-make'), [...(i === 0 ? ['--clean'] : []), '-i', id, diff], { cwd: src });
    sets.set(id, collectSet(path.join(src, 'patchroot'), path.join(workDir, 'sets', id)));
  });
  const binary = path.join(src, 'lpmake', c.program);
  for (const set of sets.values()) checkBuildIdsExist(set, path.join(src, 'lpmake'));
  return { binary, sets };
}

/** Every set's build id belongs to an installed object: the patch fits what is deployed. */
function checkBuildIdsExist(set: PatchSet, installRoot: string): void {
  const installed = new Set<string>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && fs.readFileSync(p).subarray(0, 4).equals(Buffer.from('\x7fELF', 'latin1'))) installed.add(readelfBuildId(p));
    }
  };
  walk(installRoot);
  // A .kpatch is named by the whole build id or, when it is longer, by its first 40 hex characters.
  const fits = (id: string) => [...installed].some((b) => b === id || b.slice(0, 40) === id);
  for (const id of set.buildIds) if (!fits(id)) throw new Error(`${set.dir}/${id}.kpatch fits no object installed in ${installRoot}`);
}

interface CompiledObject {
  object: CaseObject;
  /** Assembly of each source, in order. */
  asm: string[];
}

function compile(c: PatchCase, tree: string, object: CaseObject, outDir: string): CompiledObject {
  fs.mkdirSync(outDir, { recursive: true });
  const asm = object.sources.map((source) => {
    const out = path.join(outDir, `${object.output}-${path.basename(source).replace(/\.[^.]+$/, '')}.s`);
    runOk(c.compiler, [...c.cflags, ...object.cflags, '-S', path.join(tree, source), '-o', out]);
    return out;
  });
  return { object, asm };
}

function link(c: PatchCase, objectAsm: string[], object: CaseObject, output: string, workDir: string, extra: string[]): void {
  // Linked from the work folder, where the original libraries are: -L. finds them. `$SRC`
  // is the original source tree (for files the link reads, such as a version script).
  const ldflags = object.ldflags.map((f) => f.replaceAll('$SRC', path.join(workDir, 'orig')));
  runOk(c.compiler, ['-o', output, ...objectAsm, ...ldflags, ...extra], { cwd: workDir });
}

function buildByHand(c: PatchCase, workDir: string): BuiltCase {
  const orig = path.join(workDir, 'orig');
  copyTree(c.sourceDir, orig);
  const originals = c.objects.map((o) => compile(c, orig, o, path.join(workDir, 'asm-orig')));
  for (const o of originals) link(c, o.asm, o.object, path.join(workDir, o.object.output), workDir, []);

  const sets = new Map<string, PatchSet>();
  for (const [id, diff] of c.patches) {
    const tree = path.join(workDir, `patched-${id}`);
    copyTree(c.sourceDir, tree);
    runOk('patch', ['-p1', '-i', path.join(c.sourceDir, diff)], { cwd: tree });
    const out = path.join(workDir, `build-${id}`);
    for (const o of originals) buildObjectPatch(c, tree, o, id, out, workDir);
    sets.set(id, collectSet(out, path.join(workDir, 'sets', id)));
  }
  const binary = path.join(workDir, path.basename(c.program));
  if (!fs.existsSync(binary)) throw new Error(`${c.name}: no object of case.json builds ${path.basename(c.program)}`);
  return { binary, sets };
}

/** gensrc over each source of one object; when anything changed, the kpatch steps after the link. */
function buildObjectPatch(c: PatchCase, tree: string, original: CompiledObject, id: string, out: string, workDir: string): void {
  const { object } = original;
  const patched = compile(c, tree, object, path.join(out, 'asm-patched'));
  let changed = false;
  const merged = original.asm.map((origAsm, i) => {
    const mergedAsm = path.join(out, path.basename(origAsm).replace(/\.s$/, '.merged.s'));
    runOk(tool('tscare-gensrc'), ['-i', origAsm, '-i', patched.asm[i], '-o', mergedAsm]);
    if (!fs.readFileSync(mergedAsm).equals(fs.readFileSync(origAsm))) changed = true;
    return mergedAsm;
  });
  if (!changed) return;
  const binary = path.join(workDir, object.output);
  const patchedBinary = path.join(out, `${object.output}.patched`);
  link(c, merged, object, patchedBinary, workDir, ['-Wl,-q']);
  const stripped = path.join(out, `${object.output}.stripped`);
  const kpatchTool = tool('tscare-kpatch');
  runOk(kpatchTool, ['strip', patchedBinary, stripped]);
  runOk(kpatchTool, ['rel-fixup', binary, stripped]);
  runOk('strip', ['--strip-unneeded', stripped]);
  runOk(kpatchTool, ['undo-link', binary, stripped]);
  const buildId = runOk(kpatchTool, ['build-id', binary]).stdout.trim();
  if (buildId !== readelfBuildId(binary)) throw new Error(`tscare-kpatch build-id ${binary} disagrees with readelf`);
  runOk(kpatchTool, ['make', '-b', buildId, '-i', id, '-o', path.join(out, `${buildId}.kpatch`), stripped]);
}
