/**
 * The differ on real gcc 12 output: one folder per case under fixtures/cases (orig.c,
 * patched.c, flags, desc, expect.json); `_fail_` cases must be refused with the exact code.
 * Merged output is assembled with gcc -c and checked with readelf/objcopy.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TscareError } from '@tscare/errors';
import { generateMergedAssembly } from './generate.js';
import { checkMergedObject } from './test-support/merged-checks.js';
import { assemble, compileStage, scratchDir } from './test-support/toolchain.js';

const casesDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'cases');
const cases = readdirSync(casesDir).filter((c) => existsSync(join(casesDir, c, 'expect.json')));

interface Expect {
  kind?: 'merged' | 'unchanged';
  changed?: string[];
  added?: string[];
  newVariables?: string[];
  mustContain?: string[];
  mustNotContain?: string[];
  /** Lines that must (not) appear inside the `.kpatch` copies of changed functions. */
  copyMustContain?: string[];
  copyMustNotContain?: string[];
  error?: string;
  message?: string;
}

function load(c: string): { flags: string[]; exp: Expect } {
  const flags = readFileSync(join(casesDir, c, 'flags'), 'utf8').trim().split(/\s+/);
  const exp = JSON.parse(readFileSync(join(casesDir, c, 'expect.json'), 'utf8')) as Expect;
  return { flags, exp };
}

describe('generateMergedAssembly on gcc output', () => {
  const scratch = scratchDir();
  afterAll(() => scratch.dispose());

  it('finds its case folders, merged and _fail_ ones', () => {
    expect(cases.filter((c) => c.startsWith('_fail_')).length).toBeGreaterThanOrEqual(3);
    expect(cases.filter((c) => !c.startsWith('_fail_')).length).toBeGreaterThanOrEqual(10);
  });

  for (const c of cases) {
    it(`${c}: ${readFileSync(join(casesDir, c, 'desc'), 'utf8').trim()}`, () => {
      const { flags, exp } = load(c);
      const dir = join(scratch.dir, c);
      const orig = compileStage(dir, 'orig', join(casesDir, c, 'orig.c'), flags);
      const patched = compileStage(dir, 'patched', join(casesDir, c, 'patched.c'), flags);
      const opts = { originalName: 'orig/case.s', patchedName: 'patched/case.s' };
      const identity = generateMergedAssembly(orig, orig, opts);
      expect(identity.kind).toBe('unchanged');
      expect(identity.text).toBe(orig);
      if (exp.error !== undefined) {
        expectRefusal(() => generateMergedAssembly(orig, patched, opts), exp.error, exp.message ?? '');
        return;
      }
      const r = generateMergedAssembly(orig, patched, opts);
      expect({ kind: r.kind, ...pick(r.report) }).toEqual({ kind: exp.kind, changed: exp.changed, added: exp.added, newVariables: exp.newVariables });
      if (r.kind === 'unchanged') {
        expect(r.text).toBe(orig);
        return;
      }
      const lines = r.text.split('\n');
      for (const l of exp.mustContain ?? []) expect(lines).toContain(l);
      for (const l of exp.mustNotContain ?? []) expect(lines).not.toContain(l);
      const copies = copyLines(lines);
      for (const l of exp.copyMustContain ?? []) expect(copies).toContain(l);
      for (const l of exp.copyMustNotContain ?? []) expect(copies).not.toContain(l);
      expect(lines.filter((l) => /^\s*\.loc\b/.test(l)).length).toBe(orig.split('\n').filter((l) => /^\s*\.loc\b/.test(l)).length);
      const origObj = assemble(dir, 'orig', orig);
      const patchedObj = assemble(dir, 'patched', patched);
      const mergedObj = assemble(dir, 'merged', r.text);
      expect(checkMergedObject(dir, { origObj, patchedObj, mergedObj }, { changed: r.report.changed, added: r.report.added })).toEqual([]);
    });
  }
});

/** The lines between the `kpatch begin` and `kpatch end` markers. */
function copyLines(lines: readonly string[]): string[] {
  const out: string[] = [];
  let inside = false;
  for (const l of lines) {
    if (l.startsWith('#---------- kpatch begin')) inside = true;
    else if (l.startsWith('#---------- kpatch end')) inside = false;
    else if (inside) out.push(l);
  }
  return out;
}

function pick(r: { changed: string[]; added: string[]; newVariables: string[] }): object {
  return { changed: r.changed, added: r.added, newVariables: r.newVariables };
}

function expectRefusal(run: () => unknown, code: string, message: string): void {
  let err: unknown;
  try {
    run();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TscareError);
  expect((err as TscareError).code).toBe(code);
  expect((err as TscareError).message).toContain(message);
  expect((err as TscareError).hint ?? '').not.toBe('');
}
