/**
 * C++ functions with exception tables (`.cfi_lsda`, `.gcc_except_table`): the `.kpatch` copy
 * must assemble and carry the PATCHED file's table, renamed, so that a throw inside the new
 * code lands on the new code's landing pads. The copies are called directly here (through
 * global aliases appended to the merged file) from a driver program: a throw caught in the
 * copy's own frame returns the patched value only if the unwinder found the copy's table.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateMergedAssembly } from './generate.js';
import { checkMergedObject } from './test-support/merged-checks.js';
import { scratchDir } from './test-support/toolchain.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'cxx');
const GREETING = '_Z8greetingRKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE';
const PARSE = '_Z5parsePKc';

/** Compiles a stage as `<dir>/<stage>/case.cpp` (one file name for both stages, as in a real build). */
function compileCxx(dir: string, stage: string, flags: readonly string[]): string {
  const d = join(dir, stage);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'case.cpp'), readFileSync(join(fixtures, `${stage}.cpp`)));
  execFileSync('g++', [...flags, '-c', 'case.cpp', '-o', 'case.o'], { cwd: d });
  return execFileSync('g++', [...flags, '-S', 'case.cpp', '-o', '-'], { cwd: d, encoding: 'utf8' });
}

describe.each([['-O1'], ['-O2'], ['-O2', '-g']])('C++ exception tables at %s', (...flags: string[]) => {
  const scratch = scratchDir();
  afterAll(() => scratch.dispose());
  const dir = scratch.dir;
  const orig = compileCxx(dir, 'orig', flags);
  const patched = compileCxx(dir, 'patched', flags);
  const r = generateMergedAssembly(orig, patched, { originalName: 'orig/case.s', patchedName: 'patched/case.s' });

  it('patches both functions and copies their exception tables into .kpatch.data', () => {
    expect(r.kind).toBe('merged');
    expect([...r.report.changed].sort()).toEqual([PARSE, GREETING].sort());
    // Each original table is kept, and each copy gets its own renamed one.
    for (const m of orig.matchAll(/^(\.LLSDA\w*):/gm)) {
      expect(r.text).toContain(`\n${m[1]}:`);
    }
    const copies = [...patched.matchAll(/^(\.LLSDA\w*):/gm)].map((m) => m[1]);
    expect(copies.length).toBeGreaterThan(0);
    for (const l of copies) expect(r.text).toMatch(new RegExp(`\\.section\\t\\.kpatch\\.data[^]*\\n${l.replace(/\./g, '\\.')}\\.kpatch:`));
    expect(r.text).not.toMatch(/\.cfi_lsda 0x1b,\.LLSDA\w*\n(?![^]*\.LLSDA)/);
  });

  it('assembles with every original section byte-identical', () => {
    writeFileSync(join(dir, 'merged.s'), r.text);
    execFileSync('g++', ['-c', 'merged.s', '-o', 'merged.o'], { cwd: dir });
    const problems = checkMergedObject(
      dir,
      { origObj: join(dir, 'orig', 'case.o'), patchedObj: join(dir, 'patched', 'case.o'), mergedObj: join(dir, 'merged.o') },
      { changed: [GREETING, PARSE], added: [] },
    );
    expect(problems).toEqual([]);
  });

  it('the copies run the patched code and catch their own exceptions', () => {
    const aliases = [`\t.globl copy_parse\n\t.set copy_parse, ${PARSE}.kpatch`, `\t.globl copy_greeting\n\t.set copy_greeting, ${GREETING}.kpatch`];
    writeFileSync(join(dir, 'linked.s'), `${r.text}${aliases.join('\n')}\n`);
    execFileSync('g++', [...flags, '-o', 'prog', 'linked.s', join(fixtures, 'driver.cpp')], { cwd: dir, stdio: 'pipe' });
    // "" throws invalid_argument inside parse, "abc" inside std::stoi: both caught by the copy.
    expect(execFileSync(join(dir, 'prog'), { encoding: 'utf8' })).toBe('Hello, tscare!! 42 -2 -5\n');
  });
});
