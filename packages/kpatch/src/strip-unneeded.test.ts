import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { ElfFile, readElfFile, SHT_RELA } from '@tscare/elf';
import { relFixup } from './rel-fixup.js';
import { stripToPatch } from './strip.js';
import { stripUnneeded } from './strip-unneeded.js';
import { mergeFunctionCopy } from './testing/merge-for-test.js';
import { buildFooPair, makeScratch, type Scratch } from './testing/toolchain.js';

let s: Scratch;
beforeAll(() => { s = makeScratch(); });
afterAll(() => s.cleanup());

/**
 * Symbols and relocations by name, independent of symbol order and file layout. Sections by
 * name too: binutils moves .symtab/.strtab/.shstrtab after the appended .kpatch.eh_frame
 * pair, where ours keeps every index (checked in build.test.ts).
 */
function semantic(elf: ElfFile): unknown {
  const symtab = elf.sections.find((x) => x.name === '.symtab')!;
  const syms = elf.symbols(symtab);
  const relocs = elf.sections.filter((x) => x.sh_type === SHT_RELA).map((rs) => [rs.name, elf.relocations(rs).map((r) => [r.r_offset, r.type, syms[r.sym].name || `section ${syms[r.sym].st_shndx}`, r.r_addend])]);
  const symbols = syms.map((x) => [x.name, x.st_info, x.st_shndx, x.st_value, x.st_size]).sort((a, b) => String(a).localeCompare(String(b)));
  return { symbols, locals: symtab.sh_info, relocs, sections: elf.sections.map((x) => [x.name, x.sh_type, x.sh_size]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))) };
}

/** The fixed-up patch stripped in process and by binutils `strip --strip-unneeded`. */
function bothWays(orig: string, patched: string, name: string): { ours: ElfFile; binutils: ElfFile } {
  const fixed = relFixup(readElfFile(orig), ElfFile.parse(stripToPatch(readElfFile(patched)), name));
  const path = s.write(`${name}.o`, fixed);
  execFileSync('strip', ['--strip-unneeded', path]);
  return { ours: ElfFile.parse(stripUnneeded(ElfFile.parse(fixed, name)), name), binutils: ElfFile.parse(readFileSync(path), path) };
}

describe('stripUnneeded', () => {
  it('keeps the same symbols and relocations as binutils strip --strip-unneeded (foo example)', () => {
    const pair = buildFooPair(s);
    const { ours, binutils } = bothWays(pair.orig, pair.patched, 'foo');
    expect(semantic(ours)).toEqual(semantic(binutils));
  });

  it('does the same on a shared library patch with TLS and GOT references', () => {
    const src = '__thread int counter = 5;\nextern __thread int ext;\nint shared_var = 1;\nstatic int hidden_var = 3;\n'
      + '__attribute__((noinline)) int get(void) { return counter + ext + shared_var + hidden_var++; }\n';
    const asm = s.compileToAsm('lib', src, ['-O2', '-fPIC', '-ftls-model=initial-exec']);
    writeFileSync(s.path('lib-merged.s'), mergeFunctionCopy(asm, 'get'));
    s.gcc(['-shared', '-o', 'lib.so', 'lib.s']);
    s.gcc(['-shared', '-o', 'libp.so', 'lib-merged.s', '-Wl,-q']);
    const { ours, binutils } = bothWays(s.path('lib.so'), s.path('libp.so'), 'lib');
    expect(semantic(ours)).toEqual(semantic(binutils));
    const names = (semantic(ours) as { symbols: string[][] }).symbols.map((x) => x[0]);
    expect(names).toEqual(expect.arrayContaining(['counter', 'ext', 'shared_var']));
  });
});
