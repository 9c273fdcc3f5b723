import { filterDebug } from './dbg-filter.js';

describe('filterDebug', () => {
  it('drops .loc, numbered .file, debug labels, comments and .debug_* sections, keeping the rest', () => {
    const text = [
      '\t.file\t"a.c"',
      '\t.file 1 "a.c"',
      '# a comment',
      'f:',
      '.LFB0:',
      '\t.loc 1 2 3',
      '\tret',
      '.LVL1:',
      '\t.section\t.debug_info,"",@progbits',
      '.Ldebug_info0:',
      '\t.long\t0x1',
      '\t.previous',
      '\tnop',
      '',
    ].join('\n');
    expect(filterDebug(text, 'a.s')).toBe(['\t.file\t"a.c"', 'f:', '\tret', '\tnop', ''].join('\n'));
  });

  it('keeps a .previous that does not close a debug section', () => {
    const text = ['\t.data', '\t.text', '\t.previous', '\t.long 1'].join('\n');
    expect(filterDebug(text, 'a.s')).toBe(text);
  });
});
