import { filterBinary, globToRegExp } from './glob.js';

describe('globToRegExp', () => {
  test.each<[string, string, boolean]>([
    ['usr/bin/*', 'usr/bin/foo', true],
    ['usr/bin/*', 'usr/bin/sub/foo', false],
    ['usr/bin/*', 'usr/sbin/foo', false],
    ['usr/**', 'usr/lib/x86_64/libfoo.so.1', true],
    ['**/foo', 'foo', true],
    ['**/foo', 'a/b/foo', true],
    ['**/foo', 'a/b/xfoo', false],
    ['usr/lib/lib?.so', 'usr/lib/liba.so', true],
    ['usr/lib/lib?.so', 'usr/lib/libab.so', false],
    ['usr/lib/libfoo.so.1', 'usr/lib/libfooXso.1', false],
    ['bin/a+b(c)', 'bin/a+b(c)', true],
  ])('%s against %s → %s', (glob, path, expected) => expect(globToRegExp(glob).test(path)).toBe(expected));
});

describe('filterBinary', () => {
  test('no globs: every binary is kept', () => expect(filterBinary('foo', { patch: [], skip: [] })).toEqual({ kind: 'keep' }));
  test('patch globs select, skip globs win and are named', () => {
    const filter = { patch: ['usr/bin/*'], skip: ['usr/bin/*-test'] };
    expect(filterBinary('usr/bin/foo', filter)).toEqual({ kind: 'keep' });
    expect(filterBinary('usr/bin/foo-test', filter)).toEqual({ kind: 'skip', reason: 'binaries.skip "usr/bin/*-test"' });
    expect(filterBinary('usr/libexec/foo', filter)).toEqual({ kind: 'skip', reason: 'not in binaries.patch ("usr/bin/*")' });
  });
});
