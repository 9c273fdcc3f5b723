/**
 * Directives whose meaning does not depend on the section they stand in (`.local`/`.comm`,
 * `.hidden`/`.weak`) are compared without it, and C++'s `DW.ref.__gxx_personality_v0` is
 * paired by name: a fix that gives a function a cold part, an exception table or a new catch
 * clause moves where gcc writes them, and that is not a changed variable. Then the same
 * files on real g++ output.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateMergedAssembly } from './generate.js';
import { scratchDir } from './test-support/toolchain.js';

const fn = (name: string, body: string[]): string[] => [
  '\t.text', `\t.globl\t${name}`, `\t.type\t${name}, @function`, `${name}:`, '\t.cfi_startproc', ...body,
  '\tret', '\t.cfi_endproc', `\t.size\t${name}, .-${name}`,
];

describe('a zero-initialised static written after a function whose sections change', () => {
  const counter = ['\t.local\tcounter', '\t.comm\tcounter,4,4'];
  const orig = [...fn('f', ['\taddl\t$1, counter(%rip)']), ...counter, ''].join('\n');
  // The fix makes f use a new constant that gcc writes just before: .local/.comm now stand in
  // its .rodata section instead of .text.
  const limit = ['\t.section\t.rodata', '\t.align 4', '\t.type\tlimit, @object', '\t.size\tlimit, 4', 'limit:', '\t.long\t9'];
  const patched = [...fn('f', ['\tmovl\tlimit(%rip), %eax', '\taddl\t%eax, counter(%rip)']), ...limit, ...counter, ''].join('\n');

  it('is the same variable, not DIFF_VAR_CHANGED, and the new code still uses the original counter', () => {
    const r = generateMergedAssembly(orig, patched, { originalName: 'o.s', patchedName: 'p.s' });
    const copy = r.text.slice(r.text.indexOf('f.kpatch:'), r.text.indexOf('f.kpatch_end:'));
    expect(copy).toContain('\taddl\t%eax, counter(%rip)');
    expect(r.text).not.toContain('counter.kpatch');
  });

  it('still refuses a static whose size changed', () => {
    const bigger = patched.replace('\t.comm\tcounter,4,4', '\t.comm\tcounter,8,8');
    expect(() => generateMergedAssembly(orig, bigger, { originalName: 'o.s', patchedName: 'p.s' })).toThrow(/DIFF_VAR_CHANGED|counter/);
  });
});

describe('C++: a fix adds a catch clause for a type the file never caught', () => {
  const dwRef = (sym: string, target: string): string[] => [
    `\t.hidden\t${sym}`, `\t.weak\t${sym}`, `\t.section\t.data.rel.local.${sym},"awG",@progbits,${sym},comdat`, '\t.align 8',
    `\t.type\t${sym}, @object`, `\t.size\t${sym}, 8`, `${sym}:`, `\t.quad\t${target}`,
  ];
  const personality = dwRef('DW.ref.__gxx_personality_v0', '__gxx_personality_v0');
  const lengthError = dwRef('DW.ref._ZTISt12length_error', '_ZTISt12length_error');
  const badAlloc = dwRef('DW.ref._ZTISt9bad_alloc', '_ZTISt9bad_alloc');
  const orig = [...fn('f', ['\tleaq\tDW.ref._ZTISt12length_error(%rip), %rax']), ...lengthError, ...personality, ''].join('\n');
  const patched = [...fn('f', ['\tleaq\tDW.ref._ZTISt12length_error(%rip), %rax', '\tleaq\tDW.ref._ZTISt9bad_alloc(%rip), %rdx']),
    ...lengthError, ...badAlloc, ...personality, ''].join('\n');

  it('keeps the personality pointer (paired by name although it ends in a digit) and adds the new typeinfo pointer as patch data', () => {
    const r = generateMergedAssembly(orig, patched, { originalName: 'o.s', patchedName: 'p.s' });
    const copy = r.text.slice(r.text.indexOf('f.kpatch:'), r.text.indexOf('f.kpatch_end:'));
    expect(copy).toContain('\tleaq\tDW.ref._ZTISt12length_error(%rip), %rax');
    expect(copy).toMatch(/\tleaq\tDW\.ref\._ZTISt9bad_alloc\S*\(%rip\), %rdx/);
    expect(r.text).not.toContain('DW.ref.__gxx_personality_v0.kpatch');
  });
});

describe('on real g++ output', () => {
  const { dir, dispose } = scratchDir();
  afterAll(dispose);
  const ORIG = [
    '#include <cstdio>', '#include <new>', '#include <stdexcept>', '#include <string>',
    'static int calls;',
    '__attribute__((noipa)) std::string make(long n) { calls++; return std::string(n, \'x\'); }',
    '__attribute__((noipa)) void show(long n) {',
    '  try { std::printf("len %zu\\n", make(n).size()); } catch (const std::length_error &) { std::printf("too long\\n"); }',
    '}',
    'int main() { show(3); return calls; }',
  ].join('\n');
  const PATCHED = ORIG.replace('} catch (const std::length_error &)', '} catch (const std::bad_alloc &) { std::printf("no memory\\n"); } catch (const std::length_error &)');

  it('a new catch clause in a file with a zero-initialised static gives a merged file that assembles', () => {
    const s = (name: string, src: string): string => {
      const c = join(dir, `${name}.cpp`);
      writeFileSync(c, src);
      execFileSync('g++', ['-O2', '-g', '-S', c, '-o', join(dir, `${name}.s`)]);
      return readFileSync(join(dir, `${name}.s`), 'utf8');
    };
    const r = generateMergedAssembly(s('o', ORIG), s('p', PATCHED), { originalName: 'o.s', patchedName: 'p.s' });
    expect(r.kind).toBe('merged');
    expect(r.report.changed.map((c) => String(c))).toEqual(expect.arrayContaining([expect.stringContaining('show')]));
    writeFileSync(join(dir, 'm.s'), r.text);
    execFileSync('g++', ['-c', join(dir, 'm.s'), '-o', join(dir, 'm.o')]);
    expect(r.text).toContain('DW.ref._ZTISt9bad_alloc');
    expect(r.text).not.toContain('DW.ref.__gxx_personality_v0.kpatch');
  });
});
