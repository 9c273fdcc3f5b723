/**
 * End-to-end case folders (test/cases/NAME): a program, its diff(s), a one-line `desc`, and
 * `case.json` saying how to build and run it and what it prints at each step. A case whose
 * name starts with `fail-` is a refusal: one of its steps expects an exact error code.
 * Discovery fails loudly when it finds no case, so a broken glob can never pass.
 * The format is documented in test/cases/README.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths.js';

/** One ELF object the manual flow builds (the patch-make flow runs the folder's Makefile). */
export interface CaseObject {
  /** File name of the linked object, built in the work folder (e.g. `app`, `libgreet.so`). */
  output: string;
  sources: string[];
  /** Compile flags added to the case's cflags (e.g. -fPIC). */
  cflags: string[];
  /** Link flags (e.g. -shared, -L. -lgreet, -Wl,-rpath,$ORIGIN). */
  ldflags: string[];
}

export type CaseStep =
  /** Apply the patch set of `id` (its one .kpatch file, or its folder when it has several). */
  | { kind: 'patch'; id: string; error?: string; mentions: string[] }
  /** Point every `BUILDID/latest` link of the level storage at `level` and apply the folder. */
  | { kind: 'patch-level'; level: number }
  | { kind: 'unpatch'; id: string; error?: string; mentions: string[] }
  /** The program's file on disk is deleted, or replaced by another program (an upgrade), while it runs. */
  | { kind: 'program-file'; change: 'deleted' | 'replaced' }
  /** The distinct lines the program prints now (a name from `lines`, or the lines themselves). */
  | { kind: 'expect'; lines: string[]; label: string; skip: number };

export interface PatchCase {
  name: string;
  desc: string;
  /** Folder holding the Makefile, the sources and the diffs. */
  sourceDir: string;
  /** Program installed by `make install DESTDIR=...`, relative to DESTDIR. */
  program: string;
  args: string[];
  /** Extra environment of the program; `$BIN` stands for the folder of the program. */
  env: Record<string, string>;
  /** Patch id → diff (relative to sourceDir, applied with -p1), in the order they are built. */
  patches: [string, string][];
  /** The compiler driver of the manual flow: gcc, or g++ for C++ cases. */
  compiler: string;
  cflags: string[];
  /** The objects of the manual flow, in link order (libraries before what links them). */
  objects: CaseObject[];
  /** `run`: start the program, then patch it; `exec`: start it with `tscare-ctl exec`. */
  start: { kind: 'run' } | { kind: 'exec'; id: string };
  /** Named sets of distinct lines; `before` and `after` are always there. */
  lines: Record<string, string[]>;
  steps: CaseStep[];
}

const casesRoot = path.join(repoRoot, 'test', 'cases');

export function discoverCases(): PatchCase[] {
  const names = fs.existsSync(casesRoot)
    ? fs.readdirSync(casesRoot).filter((n) => !n.startsWith('_') && fs.existsSync(path.join(casesRoot, n, 'case.json')))
    : [];
  const cases = names.map(loadCase);
  if (cases.length === 0) throw new Error(`no end-to-end case found under ${casesRoot}`);
  return cases;
}

function lineSet(v: string | string[]): string[] {
  return [...new Set(Array.isArray(v) ? v : [v])].sort();
}

type Spec = Record<string, any>;

function loadCase(name: string): PatchCase {
  const dir = path.join(casesRoot, name);
  const file = path.join(dir, 'case.json');
  const spec: Spec = JSON.parse(fs.readFileSync(file, 'utf8'));
  const need = (key: string) => {
    if (spec[key] === undefined) throw new Error(`${file}: missing "${key}"`);
    return spec[key];
  };
  const program: string = need('program');
  const patches: [string, string][] = spec.patches ? Object.entries(spec.patches) : [['0001', need('patch')]];
  const lines: Record<string, string[]> = { before: lineSet(need('before')), after: lineSet(need('after')) };
  for (const [key, v] of Object.entries(spec.lines ?? {})) lines[key] = lineSet(v as string[]);
  const c: PatchCase = {
    name,
    desc: fs.readFileSync(path.join(dir, 'desc'), 'utf8').trim(),
    sourceDir: path.resolve(dir, spec.source ?? '.'),
    program,
    args: spec.args ?? [],
    env: spec.env ?? {},
    patches,
    compiler: spec.compiler ?? 'gcc',
    cflags: spec.cflags ?? ['-O2', '-g'],
    objects: (spec.objects ?? [{ output: path.basename(program), sources: need('sources'), ldflags: spec.ldflags }]).map(
      (o: Spec): CaseObject => ({ output: o.output, sources: o.sources, cflags: o.cflags ?? [], ldflags: o.ldflags ?? [] }),
    ),
    start: spec.exec ? { kind: 'exec', id: spec.exec } : { kind: 'run' },
    lines,
    steps: (spec.steps ?? defaultSteps(patches[0][0])).map((s: Spec) => parseStep(s, lines, file)),
  };
  if (name.startsWith('fail-') && !c.steps.some((s) => 'error' in s && s.error)) {
    throw new Error(`${file}: a fail- case needs a step that expects an error code`);
  }
  return c;
}

/** The plain case: patch, see the new lines, unpatch, see the old ones again. */
function defaultSteps(id: string): Spec[] {
  return [{ patch: id }, { expect: 'after' }, { unpatch: id }, { expect: 'before' }];
}

function parseStep(s: Spec, lines: Record<string, string[]>, file: string): CaseStep {
  const mentions: string[] = s.mentions ?? [];
  if (s.patch !== undefined) return { kind: 'patch', id: s.patch, error: s.error, mentions };
  if (s.unpatch !== undefined) return { kind: 'unpatch', id: s.unpatch, error: s.error, mentions };
  if (s.level !== undefined) return { kind: 'patch-level', level: s.level };
  if (s['program-file'] === 'deleted' || s['program-file'] === 'replaced') return { kind: 'program-file', change: s['program-file'] };
  if (s.expect !== undefined) {
    const named = typeof s.expect === 'string' ? lines[s.expect] : lineSet(s.expect);
    if (!named) throw new Error(`${file}: step expects unknown lines "${s.expect}"`);
    return { kind: 'expect', lines: named, label: typeof s.expect === 'string' ? s.expect : 'lines', skip: s.skip ?? 0 };
  }
  throw new Error(`${file}: unknown step ${JSON.stringify(s)}`);
}
