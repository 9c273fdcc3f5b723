import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cutBlocks } from './blocks.js';
import { parseAssembly, printAssembly } from './parse.js';
import type { Statement } from './types.js';
import { compileToAsm, functionSymbols, scratchDir } from './test-support/gcc.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'c');
const sources = readdirSync(fixtures).filter((f) => f.endsWith('.c'));
const FLAGS = [['-O0'], ['-O2'], ['-O3'], ['-Os'], ['-O0', '-g'], ['-O2', '-g'], ['-O2', '-fPIC'], ['-O2', '-ffunction-sections', '-g']];

describe('parseAssembly on real gcc output', () => {
  const scratch = scratchDir();
  afterAll(() => scratch.dispose());

  it('finds the C fixtures', () => {
    expect(sources.length).toBeGreaterThanOrEqual(4);
  });

  for (const src of sources) {
    for (const flags of FLAGS) {
      it(`${src} ${flags.join(' ')}: exact round trip, and function blocks = the object's FUNC symbols`, () => {
        const text = compileToAsm(join(fixtures, src), flags);
        const file = parseAssembly(text, src);
        expect(printAssembly(file)).toBe(text);
        expect(file.lines.length).toBe(text.split('\n').length);
        const asmPath = join(scratch.dir, 'x.s');
        const objPath = join(scratch.dir, 'x.o');
        writeFileSync(asmPath, text);
        execFileSync('gcc', ['-c', asmPath, '-o', objPath]);
        const fromBlocks = cutBlocks(file).flatMap((b) => (b.kind === 'function' ? b.functionSymbols : []));
        expect([...fromBlocks].sort()).toEqual(functionSymbols(objPath).sort());
      });
    }
  }
});

describe('round trip of unusual text', () => {
  it('keeps CRLF, trailing spaces, ; statements and label: insn lines', () => {
    const text = 'a: b: nop ; ret  \r\n\t.string "x\\"y;#"  # c\r\n\n';
    const f = parseAssembly(text, 'u.s');
    expect(printAssembly(f)).toBe(text);
    expect(f.statements.map((s) => s.kind)).toEqual(['label', 'label', 'instruction', 'instruction', 'directive', 'comment', 'blank', 'blank']);
    expect(f.statements.map((s) => s.line)).toEqual([1, 1, 1, 1, 2, 2, 3, 4]);
  });
});

/** The plain fields of a statement (they are getters over the file text). */
function fields(s: Statement): object {
  const base = { kind: s.kind, line: s.line, col: s.col, text: s.text, section: s.section.name };
  if (s.kind === 'label') return { ...base, name: s.name };
  if (s.kind === 'directive') return { ...base, name: s.name, args: s.args, argText: s.argText };
  if (s.kind === 'instruction') return { ...base, mnemonic: s.mnemonic, operands: s.operands, operandText: s.operandText };
  return base;
}

describe('statement access on large files', () => {
  it('statementAt, statementRange and statements agree, and strings come from the text', () => {
    const text = compileToAsm(join(fixtures, 'switch-pic.c'), ['-O2', '-g', '-fPIC']);
    const f = parseAssembly(text, 'switch-pic.s');
    expect(f.statementCount).toBe(f.statements.length);
    expect(f.statementRange(0, f.statementCount - 1).map(fields)).toEqual(f.statements.map(fields));
    const i = f.statements.findIndex((s) => s.kind === 'directive' && s.name === '.section');
    expect(fields(f.statementAt(i))).toEqual(fields(f.statements[i]));
    const mov = f.statements.find((s) => s.kind === 'instruction' && s.operands.length === 2);
    expect(mov?.kind === 'instruction' && mov.operandText).toBe(mov?.kind === 'instruction' && mov.operands.join(', '));
    expect(() => f.statementAt(f.statementCount)).toThrow(RangeError);
  });
});

describe('skipDebugSections', () => {
  it('makes no statements in .debug_* sections, and the same statements with the same lines elsewhere', () => {
    const text = compileToAsm(join(fixtures, 'switch-pic.c'), ['-O2', '-g', '-fPIC']);
    const full = parseAssembly(text, 'switch-pic.s');
    const lean = parseAssembly(text, 'switch-pic.s', { skipDebugSections: true });
    // A debug section statement that switches sections is kept: it is how the parser leaves the section.
    const kept = (s: Statement): boolean => !s.section.name.startsWith('.debug') || (s.kind === 'directive' && /^\.(section|text|data|bss|previous|popsection|pushsection|subsection)$/.test(s.name));
    const inDebug = full.statements.filter((s) => !kept(s)).length;
    expect(inDebug).toBeGreaterThan(full.statementCount / 2);
    expect(lean.statements.map(fields)).toEqual(full.statements.filter(kept).map(fields));
    expect(printAssembly(lean)).toBe(text);
  });

  it('leaves a debug section through .previous, .text and a switch after a label, and skips strings that look like switches', () => {
    const text = [
      '\t.text', 'f:', '\tret',
      '\t.section\t.debug_str,"MS",@progbits,1', '.LASF0:', '\t.string\t"x"', '\t.string\t".text"', 'l: .previous', '\tnop',
      '\t.section .debug_info', '\t.long 1', '\t.text', '\tret',
      '\t.pushsection .debug_line', '\t.long 2', '\t.popsection', '\tnop', '',
    ].join('\n');
    const s = parseAssembly(text, 't.s', { skipDebugSections: true }).statements;
    expect(s.map((x) => `${x.line}:${x.kind}:${x.text}`)).toEqual([
      '1:directive:.text', '2:label:f:', '3:instruction:ret',
      '4:directive:.section\t.debug_str,"MS",@progbits,1', '7:directive:.string\t".text"', '8:label:l:', '8:directive:.previous', '9:instruction:nop',
      '10:directive:.section .debug_info', '12:directive:.text', '13:instruction:ret',
      '14:directive:.pushsection .debug_line', '16:directive:.popsection', '17:instruction:nop', '18:blank:',
    ]);
    expect(s.at(-2)?.section.name).toBe('.text');
  });
});

describe('kindAt and offsetAt', () => {
  it('give the kind and the start in the text without making the statement', () => {
    const text = 'a: nop ; ret  # c\n\n\t.long 1\n';
    const f = parseAssembly(text, 'k.s');
    expect(f.statements.map((_, i) => f.kindAt(i))).toEqual(f.statements.map((s) => s.kind));
    expect(f.statements.map((_, i) => f.offsetAt(i))).toEqual([0, 3, 9, 14, 18, 20, 28]);
    expect(() => f.kindAt(f.statementCount)).toThrow(RangeError);
  });
});
