/**
 * `parseAssembly(b, name, { like: parseAssembly(a) })` takes the statements of the lines b
 * shares with a from a's parse: its result must be exactly the full parse of b. Checked on
 * real gcc output (with and without -g, with and without skipping debug sections) against
 * edits that move, add and remove lines and section switches, on the shared lines' edges.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTscareError } from '@tscare/errors';
import { parseAssembly } from './parse.js';
import { compileToAsm } from './test-support/gcc.js';
import type { AsmFile, Statement } from './types.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'c');

/** Everything a statement exposes, as one string. */
function describe1(s: Statement): string {
  const sec = `${s.section.name}|${s.section.flags}|${s.section.type}|${s.section.subsection}|${s.section.exec}`;
  const args = s.kind === 'directive' ? s.args.join('\u0001') : s.kind === 'instruction' ? s.operands.join('\u0001') : '';
  return `${s.kind} ${s.line}:${s.col} ${JSON.stringify(s.text)} ${sec} ${args}`;
}

function rows(f: AsmFile): string[] {
  const out: string[] = [];
  for (let i = 0; i < f.statementCount; i++) out.push(`${f.offsetAt(i)} ${describe1(f.statementAt(i))}`);
  return out;
}

/** The parse of `b` (or its error message), with or without `like`. */
function outcome(b: string, skipDebugSections: boolean, like?: AsmFile): string[] {
  try {
    return rows(parseAssembly(b, 'b.s', { skipDebugSections, like }));
  } catch (e) {
    if (isTscareError(e)) return [`error ${e.code} ${e.message}`];
    throw e;
  }
}

function expectSameParse(a: string, b: string): void {
  for (const skip of [false, true]) {
    const like = parseAssembly(a, 'a.s', { skipDebugSections: skip });
    expect(outcome(b, skip, like)).toEqual(outcome(b, skip));
  }
}

/** mulberry32: deterministic edits. */
function rng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lines that change the parser's state or the statements' shapes. */
const INSERTS = [
  '\t.section\t.text.other,"ax",@progbits',
  '\t.section\t.rodata.x,"a"',
  '\t.pushsection .data.y,"aw"',
  '\t.popsection',
  '\t.previous',
  '\t.section\t.debug_info,"",@progbits',
  '\t.text',
  '\t.subsection 1',
  '\tnop',
  'x:\tnop; nop # c',
  '',
  '\t.string "a\\"b;#"',
];

function edit(lines: string[], next: () => number): string[] {
  const out = [...lines];
  const at = Math.floor(next() * out.length);
  const what = Math.floor(next() * 4);
  if (what === 0) out.splice(at, 1 + Math.floor(next() * 3));
  else if (what === 1) out.splice(at, 0, INSERTS[Math.floor(next() * INSERTS.length)]);
  else if (what === 2) out[at] = `${out[at]}\t# edited`;
  else out.splice(at, 0, ...out.slice(Math.max(0, at - 3), at));
  return out;
}

describe('parseAssembly with like', () => {
  for (const flags of [['-O2'], ['-O2', '-g']]) {
    it(`gives the full parse for edited gcc ${flags.join(' ')} output`, () => {
      const a = compileToAsm(join(fixtures, 'mixed.c'), flags);
      const lines = a.split('\n');
      const next = rng(flags.length);
      for (let k = 0; k < 40; k++) {
        let b = edit(lines, next);
        if (k % 3 === 0) b = edit(b, next);
        expectSameParse(a, b.join('\n'));
      }
    });
  }

  it('gives the full parse at the edges: same text, first or last line changed, no final newline, empty texts', () => {
    const a = compileToAsm(join(fixtures, 'hello.c'), ['-O2']);
    const lines = a.split('\n');
    const cases = [
      a,
      ['\t.section\t.data', ...lines.slice(1)].join('\n'),
      [...lines.slice(0, -2), '\t.section\t.data', ''].join('\n'),
      a.replace(/\n$/, ''),
      a + '\tnop',
      '',
      '\n',
    ];
    for (const b of cases) {
      expectSameParse(a, b);
      expectSameParse(b, a);
    }
  });

  it('parses the shared end again when the state before it differs (a section declared only in one file)', () => {
    const common = ['\t.text', 'f:', '\tret', ''];
    const a = ['\t.section\t.x,"a"', '\t.text', ...common, '\t.section\t.x', '\t.byte 1', ''].join('\n');
    const b = ['\t.section\t.x,"aw"', '\t.text', ...common, '\t.section\t.x', '\t.byte 1', ''].join('\n');
    expectSameParse(a, b);
    const like = parseAssembly(a, 'a.s');
    const byte = parseAssembly(b, 'b.s', { like }).statements.find((s) => s.kind === 'directive' && s.name === '.byte');
    expect(byte?.section.flags).toBe('aw');
  });
});
