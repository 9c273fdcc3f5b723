import { TscareError } from '@tscare/errors';
import { parseAssembly } from './parse.js';

/** The section name in effect after each non-blank line, in order. */
function sectionsOf(text: string): string[] {
  const f = parseAssembly(text, 't.s');
  return f.statements.filter((s) => s.kind !== 'blank').map((s) => `${s.section.name}:${s.section.subsection}`);
}

describe('section stack', () => {
  it('follows nested pushsection/popsection of any depth (not one level of history)', () => {
    const text = [
      '.text',
      '.pushsection .a,"a",@progbits',
      '.pushsection .b,"aw",@progbits',
      '.pushsection .c,"ax",@progbits',
      'nop',
      '.popsection',
      '.popsection',
      '.popsection',
      'nop',
    ].join('\n');
    expect(sectionsOf(text)).toEqual(['.text:0', '.a:0', '.b:0', '.c:0', '.c:0', '.b:0', '.a:0', '.text:0', '.text:0']);
  });

  it('restores both current and previous on popsection, and .previous swaps them', () => {
    const text = ['.data', '.text', '.pushsection .x', '.section .y', '.popsection', '.previous', '.previous'].join('\n');
    expect(sectionsOf(text)).toEqual(['.data:0', '.text:0', '.x:0', '.y:0', '.text:0', '.data:0', '.text:0']);
  });

  it('tracks .subsection and .text N', () => {
    expect(sectionsOf(['.text 2', '.subsection 3', '.previous'].join('\n'))).toEqual(['.text:2', '.text:3', '.text:2']);
  });

  it('knows code from data by flags, and reuses flags declared earlier', () => {
    const f = parseAssembly(['.section .foo,"ax",@progbits', '.data', '.section .foo', 'nop', '.section .rodata.x'].join('\n'), 't.s');
    expect(f.statements.map((s) => s.section.exec)).toEqual([true, false, true, true, false]);
    expect(f.statements[2].section.flags).toBe('ax');
  });

  it('rejects .popsection without .pushsection with the line and column', () => {
    expect(() => parseAssembly('\tnop\n\t.popsection', 'bad.s')).toThrow(TscareError);
    expect(() => parseAssembly('\tnop\n\t.popsection', 'bad.s')).toThrow('bad.s:2:2: .popsection without a matching .pushsection');
  });
});
