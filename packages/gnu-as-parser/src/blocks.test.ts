import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cutBlocks, type Block } from './blocks.js';
import { parseAssembly } from './parse.js';
import { humanName, mapSymbols } from './symbols.js';
import { compileToAsm } from './test-support/gcc.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'c');

function summary(blocks: Block[]): string[] {
  return blocks.map((b) => (b.kind === 'other' ? 'other' : `${b.kind}:${b.name}`));
}

describe('cutBlocks', () => {
  it('keeps the .cold part gcc puts in .text.unlikely inside its function (gcc -O2)', () => {
    const text = compileToAsm(join(fixtures, 'cold-split.c'), ['-O2']);
    const file = parseAssembly(text, 'cold-split.s');
    const work = cutBlocks(file).find((b) => b.kind === 'function' && b.name === 'work');
    expect(work?.kind === 'function' && work.functionSymbols).toEqual(['work', 'work.cold']);
    const last = file.statements[work!.last];
    expect(last.text).toBe('.size\twork.cold, .-work.cold');
    expect(last.section.name).toBe('.text.unlikely');
  });

  it('finds variables, .local/.comm pairs, .set aliases and standalone attributes', () => {
    const text = [
      '\t.text',
      '\t.globl\tf',
      '\t.type\tf, @function',
      'f:',
      '\tret',
      '\t.size\tf, .-f',
      '\t.local\tbuf',
      '\t.comm\tbuf,64,32',
      '\t.section\t.rodata.str1.1,"aMS",@progbits,1',
      '.LC0:',
      '\t.string\t"hi"',
      '.LC1:',
      '\t.string\t"there"',
      '\t.globl\tg',
      '\t.set\tg, f',
      '\t.weak\tw',
      '\t.ident\t"x"',
    ].join('\n');
    expect(summary(cutBlocks(parseAssembly(text, 'b.s')))).toEqual([
      'function:f', 'variable:buf', 'variable:.LC0', 'variable:.LC1', 'alias:g', 'attribute:.weak w', 'other',
    ]);
  });

  it('does not take labels in .debug_* sections for variables (gcc -g)', () => {
    const text = compileToAsm(join(fixtures, 'hello.c'), ['-O2', '-g']);
    const blocks = cutBlocks(parseAssembly(text, 'hello.s'));
    expect(summary(blocks).filter((s) => s !== 'other')).toEqual(['variable:.LC0', 'function:print_hello', 'function:main']);
  });
});

describe('symbols', () => {
  it('renames symbols but not registers, relocation operators, numbers or strings', () => {
    const out = mapSymbols('leaq .LC0(%rip), %rdi; call puts@PLT; .quad 0x10, 1f, "LC0"', (s) => `[${s}]`);
    expect(out).toBe('[leaq] [.LC0](%rip), %rdi; [call] [puts]@PLT; [.quad] 0x10, 1f, "LC0"');
  });

  it('derives human names of gcc-made symbols', () => {
    expect(['foo.part.0', 'foo.isra.1', 'foo.constprop.0', 'foo.cold', 'calls.3', '.LC12', 'main', 'a.b'].map(humanName)).toEqual([
      'foo', 'foo', 'foo', 'foo', 'calls', '.LC', 'main', 'a.b',
    ]);
  });

  it('keeps names that only end in a digit: C++ personality pointers and typeinfo references are real names', () => {
    const names = ['DW.ref.__gxx_personality_v0', 'DW.ref._ZTISt9bad_alloc', 'v2.x1', 'foo.part.0.cold', 'foo.lto_priv.0', 'foo.cold.12'];
    expect(names.map(humanName)).toEqual(['DW.ref.__gxx_personality_v0', 'DW.ref._ZTISt9bad_alloc', 'v2.x1', 'foo', 'foo', 'foo']);
  });
});
