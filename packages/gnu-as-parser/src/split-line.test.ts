import { TscareError } from '@tscare/errors';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { splitArgs, splitLine, tabbedBodyEnd } from './split-line.js';
import { compileToAsm } from './test-support/gcc.js';

describe('splitLine', () => {
  it('splits a label from the instruction on the same line', () => {
    expect(splitLine('foo:\tmovl $1, %eax', 'a.s', 1)).toEqual([
      { kind: 'label', offset: 0, text: 'foo' },
      { kind: 'body', offset: 5, text: 'movl $1, %eax' },
    ]);
  });

  it('splits at ; outside strings and keeps # inside strings', () => {
    const pieces = splitLine('\t.string "a;b#c\\"d"; nop # trailing', 'a.s', 3);
    expect(pieces.map((p) => [p.kind, p.text])).toEqual([
      ['body', '.string "a;b#c\\"d"'],
      ['body', 'nop'],
      ['comment', '# trailing'],
    ]);
  });

  it('does not take a segment override for a label', () => {
    expect(splitLine('\tmovl\t%fs:x@tpoff, %eax', 'a.s', 1)).toEqual([{ kind: 'body', offset: 1, text: 'movl\t%fs:x@tpoff, %eax' }]);
  });

  it('reports an unterminated string as GAS_SYNTAX with file:line:col', () => {
    let err: unknown;
    try {
      splitLine('  .ascii "abc', 'x.s', 7);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TscareError);
    expect((err as TscareError).code).toBe('GAS_SYNTAX');
    expect((err as TscareError).message).toBe('x.s:7:10: unterminated string literal');
  });
});

describe('splitArgs', () => {
  it('splits at top-level commas only', () => {
    expect(splitArgs('8(%rax,%rbx,4), %ecx')).toEqual(['8(%rax,%rbx,4)', '%ecx']);
    expect(splitArgs('"a,b", 1')).toEqual(['"a,b"', '1']);
    expect(splitArgs('')).toEqual([]);
  });
});

describe('splitLine labels', () => {
  const kinds = (line: string): string[] => splitLine(line, 'a.s', 1).map((p) => `${p.kind}@${p.offset}:${p.text}`);

  it('takes names, numbers and quoted names before a colon, with spaces before it', () => {
    expect(kinds('  .L5 :1:"a b\\"c": nop')).toEqual(['label@2:.L5', 'label@7:1', 'label@9:"a b\\"c"', 'body@19:nop']);
    expect(kinds('$x.y$1:')).toEqual(['label@0:$x.y$1']);
  });

  it('does not take a double colon, a name starting with a digit then letters, or a colon after an operand', () => {
    expect(kinds('a::b')).toEqual(['body@0:a::b']);
    expect(kinds('1a: nop')).toEqual(['body@0:1a: nop']);
    expect(kinds('movl %fs:0, %eax')).toEqual(['body@0:movl %fs:0, %eax']);
  });

  it('looks for labels after each ; and trims a final CR', () => {
    expect(kinds('nop; b: ret # x: y\r')).toEqual(['body@0:nop', 'label@5:b', 'body@8:ret', 'comment@12:# x: y']);
  });
});

describe('tabbedBodyEnd (the fast path for `\tword rest` lines)', () => {
  /** Where the fast path ends the body, or what splitLine finds, side by side. */
  function agrees(line: string): void {
    const e = tabbedBodyEnd(line, 0, line.length);
    if (e < 0) return;
    expect(splitLine(line, 'a.s', 1)).toEqual([{ kind: 'body', offset: 1, text: line.slice(1, e) }]);
  }

  it('takes the plain instruction and directive lines gcc writes', () => {
    for (const line of ['\tmovq\t%rdi, 16(%rsp)', '\t.cfi_def_cfa_offset 16', '\tret', '\t.p2align 4', '\tleaq\t.LC0(%rip), %rdi  \r']) {
      expect(tabbedBodyEnd(line, 0, line.length)).toBeGreaterThan(1);
      agrees(line);
    }
  });

  it('leaves labels, strings, separators, comments and odd lines to scanLine', () => {
    const others = ['\tfoo:', '\tfoo :\tnop', '\t.string "a;b"', '\tnop; nop', '\tnop # x', '\t\tnop', 'foo:', '\t', '\t1:', '\t{vex} vpdpbusd %ymm1, %ymm2, %ymm3', '\tmovl\t$1, %eax\u00a0', ' nop', '\t%rax'];
    for (const line of others) expect(tabbedBodyEnd(line, 0, line.length)).toBe(-1);
  });

  it('agrees with splitLine on every line of real gcc output', () => {
    const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'c', 'mixed.c');
    const lines = compileToAsm(src, ['-O2', '-g']).split('\n');
    let fast = 0;
    for (const line of lines) {
      agrees(line);
      if (tabbedBodyEnd(line, 0, line.length) >= 0) fast++;
    }
    // Most lines take the fast path (a test that it is used at all, not a tuning target).
    expect(fast).toBeGreaterThan(lines.length / 2);
  });
});
