/**
 * End-to-end case folders (test/cases/NAME): a program, its diff, a one-line `desc`, and
 * `case.json` saying how to run it and what it prints before and after the patch.
 * Discovery fails loudly when it finds no case, so a broken glob can never pass.
 */
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths.js';

export interface PatchCase {
  name: string;
  desc: string;
  /** Folder holding the Makefile, the sources and the patch. */
  sourceDir: string;
  /** Program installed by `make install DESTDIR=...`, relative to DESTDIR. */
  program: string;
  args: string[];
  /** The diff, relative to sourceDir, applied with -p1. */
  patch: string;
  /** C sources compiled for the manual flow (relative to sourceDir). */
  sources: string[];
  /** The compiler driver of the manual flow: gcc, or g++ for C++ cases. */
  compiler: string;
  cflags: string[];
  /** Extra flags for the manual flow's link (e.g. -pthread, -lm). */
  ldflags: string[];
  /** The distinct lines the program prints before the patch (several for multi-threaded programs). */
  before: string[];
  /** The distinct lines it prints once patched. */
  after: string[];
}

const casesRoot = path.join(repoRoot, 'test', 'cases');

export function discoverCases(): PatchCase[] {
  const names = fs.existsSync(casesRoot) ? fs.readdirSync(casesRoot).filter((n) => !n.startsWith('_')) : [];
  const cases = names.map(loadCase);
  if (cases.length === 0) throw new Error(`no end-to-end case found under ${casesRoot}`);
  return cases;
}

function lineSet(v: string | string[]): string[] {
  return [...new Set(Array.isArray(v) ? v : [v])].sort();
}

function loadCase(name: string): PatchCase {
  const dir = path.join(casesRoot, name);
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'case.json'), 'utf8'));
  const need = (key: string) => {
    if (spec[key] === undefined) throw new Error(`${dir}/case.json: missing "${key}"`);
    return spec[key];
  };
  return {
    name,
    desc: fs.readFileSync(path.join(dir, 'desc'), 'utf8').trim(),
    sourceDir: path.resolve(dir, spec.source ?? '.'),
    program: need('program'),
    args: spec.args ?? [],
    patch: need('patch'),
    sources: need('sources'),
    compiler: spec.compiler ?? 'gcc',
    cflags: spec.cflags ?? ['-O2', '-g'],
    ldflags: spec.ldflags ?? [],
    before: lineSet(need('before')),
    after: lineSet(need('after')),
  };
}
