import { expandResponseFiles, splitResponseText } from './response-file.js';

describe('splitResponseText', () => {
  test.each<[string, string[]]>([
    ['-O2  -g\n-c\tfoo.c\n', ['-O2', '-g', '-c', 'foo.c']],
    ["'my dir/a b.c' \"-DNAME=\\\"x y\\\"\"", ['my dir/a b.c', '-DNAME="x y"']],
    ['a\\ b \\\\c', ['a b', '\\c']],
    ["'' \"\" x", ['', '', 'x']],
    ['-DA=\'1\'2', ['-DA=12']],
    ['', []],
  ])('%j', (text, args) => expect(splitResponseText(text)).toEqual(args));
});

describe('expandResponseFiles', () => {
  const files: Record<string, string> = {
    'flags.rsp': '-O2 -g @inner.rsp',
    'inner.rsp': '-DX=1 "src dir/foo.c"',
    'loop.rsp': '@loop.rsp',
  };
  const read = (path: string) => files[path];

  test('argv without @ is returned as it is', () => {
    const argv = ['-c', 'foo.c'];
    expect(expandResponseFiles(argv, read)).toEqual({ kind: 'expanded', argv, files: [] });
  });

  test('nested files expand in place; an unreadable one stays as an argument, as gcc does', () => {
    expect(expandResponseFiles(['-c', '@flags.rsp', '-o', 'foo.o', '@missing'], read)).toEqual({
      kind: 'expanded',
      argv: ['-c', '-O2', '-g', '-DX=1', 'src dir/foo.c', '-o', 'foo.o', '@missing'],
      files: ['flags.rsp', 'inner.rsp'],
    });
  });

  test('runaway recursion is refused', () => {
    expect(expandResponseFiles(['@loop.rsp'], read)).toEqual({ kind: 'unparsable', reason: 'response files nested more than 16 deep (@loop.rsp)' });
  });
});
