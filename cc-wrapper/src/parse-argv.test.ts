import { langOfPath, parseArgv, type ArgToken } from './parse-argv.js';

function tokens(argv: string[]): readonly ArgToken[] {
  const parsed = parseArgv(argv);
  if (parsed.kind !== 'parsed') throw new Error(parsed.reason);
  return parsed.tokens;
}

describe('parseArgv', () => {
  test('separates options, their arguments and inputs', () => {
    const t = tokens(['-O2', '-I', 'inc', '-DX=1', '-include', 'cfg.h', '-c', 'foo.c', '-o', 'obj/foo.o', '-MF', 'd', '-Xlinker', '-q']);
    expect(t.map((x) => (x.kind === 'input' ? `in:${x.path}` : x.args.join(' ')))).toEqual([
      '-O2', '-I inc', '-DX=1', '-include cfg.h', '-c', 'in:foo.c', '-o obj/foo.o', '-MF d', '-Xlinker -q',
    ]);
  });

  test('inputs get the language of their suffix, or of the -x in force', () => {
    const t = tokens(['a.c', 'b.cpp', 'c.S', 'd.s', 'e.o', 'libx.a', '-x', 'c', 'f.inc', '-xnone', 'g.h', '-x', 'objective-c', 'h.m']);
    const langs = t.filter((x) => x.kind === 'input').map((x) => (x.kind === 'input' ? [x.path, x.lang, x.explicitLang] : []));
    expect(langs).toEqual([
      ['a.c', 'c', undefined],
      ['b.cpp', 'c++', undefined],
      ['c.S', 'assembler-with-cpp', undefined],
      ['d.s', 'assembler', undefined],
      ['e.o', 'other', undefined],
      ['libx.a', 'other', undefined],
      ['f.inc', 'c', 'c'],
      ['g.h', 'header', undefined],
      ['h.m', 'unsupported', 'objective-c'],
    ]);
  });

  test('a separate argument is never taken for an input, even when it looks like one', () => {
    const t = tokens(['-MT', 'foo.c', '-Xlinker', 'bar.o', 'x.c']);
    expect(t.filter((x) => x.kind === 'input').map((x) => (x.kind === 'input' ? x.path : ''))).toEqual(['x.c']);
  });

  test('a missing argument or an unreadable (unexpanded) response file makes the argv unparsable', () => {
    expect(parseArgv(['-c', 'x.c', '-o'])).toEqual({ kind: 'unparsable', reason: '-o without its argument' });
    expect(parseArgv(['@args.rsp'])).toEqual({ kind: 'unparsable', reason: 'response file @args.rsp cannot be read' });
  });
});

describe('langOfPath', () => {
  test.each([
    ['dir.d/foo', 'other'],
    ['.hidden', 'other'],
    ['x.C', 'c++'],
    ['x.i', 'c'],
    ['src/x.c', 'c'],
  ])('%s is %s', (path, lang) => expect(langOfPath(path)).toBe(lang));
});
