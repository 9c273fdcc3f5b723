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

describe('statement access on large files', () => {
  /** The plain fields of a statement (they are getters over the file text). */
  function fields(s: Statement): object {
    const base = { kind: s.kind, line: s.line, col: s.col, text: s.text, section: s.section.name };
    if (s.kind === 'label') return { ...base, name: s.name };
    if (s.kind === 'directive') return { ...base, name: s.name, args: s.args, argText: s.argText };
    if (s.kind === 'instruction') return { ...base, mnemonic: s.mnemonic, operands: s.operands, operandText: s.operandText };
    return base;
  }

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
