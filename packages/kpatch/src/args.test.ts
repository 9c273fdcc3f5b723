import { isTscareError } from '@tscare/errors';
import { parseArgs } from './args.js';

function usageError(argv: string[]): string {
  try {
    parseArgs(argv);
    return 'parsed';
  } catch (e) {
    return isTscareError(e) ? `${e.code}: ${e.message}` : 'crash';
  }
}

describe('parseArgs', () => {
  it('maps the kpatch_strip spellings to the subcommands', () => {
    expect(parseArgs(['--strip', 'a', 'b'])).toEqual({ kind: 'strip', input: 'a', output: 'b' });
    expect(parseArgs(['-s', 'a', 'b'])).toEqual({ kind: 'strip', input: 'a', output: 'b' });
    expect(parseArgs(['-r', 'o', 'p'])).toEqual({ kind: 'rel-fixup', orig: 'o', patch: 'p' });
    expect(parseArgs(['--rel-fixup', 'o', 'p'])).toEqual({ kind: 'rel-fixup', orig: 'o', patch: 'p' });
    expect(parseArgs(['-u', 'o', 'p'])).toEqual({ kind: 'undo-link', orig: 'o', patch: 'p' });
    expect(parseArgs(['--undo-link', 'o', 'p'])).toEqual({ kind: 'undo-link', orig: 'o', patch: 'p' });
    expect(parseArgs(['strip-unneeded', 'x'])).toEqual({ kind: 'strip-unneeded', input: 'x', output: 'x' });
    expect(parseArgs(['build-id', 'foo'])).toEqual({ kind: 'build-id', file: 'foo' });
  });

  it('parses kpatch_make options in any order and glued forms', () => {
    expect(parseArgs(['make', 'in.o', '-i0001', '-b', 'ab12'])).toEqual({ kind: 'make', buildId: 'ab12', patchId: '0001', output: undefined, input: 'in.o' });
    expect(parseArgs(['make', '--id=7', '--buildid=ff', '-o', 'x.kpatch', 'in.o'])).toMatchObject({ patchId: '7', buildId: 'ff', output: 'x.kpatch' });
    expect(parseArgs(['build', '-i', '1', '-w', 'tmp', 'orig', 'patched'])).toEqual({ kind: 'build', patchId: '1', buildId: undefined, output: undefined, workDir: 'tmp', orig: 'orig', patched: 'patched' });
  });

  it.each([
    [[], /no command/],
    [['make', '-b', 'ab', 'in.o'], /needs -i ID/],
    [['make', '-i', '1', 'in.o'], /needs -b BUILDID/],
    [['make', '-b', 'ab', '-i', '1', '-b', 'cd', 'in.o'], /given twice/],
    [['make', '-b', 'ab', '-i', '1', '-v', 'x', 'in.o'], /unknown option -v/],
    [['make', '-b', 'ab', '-i'], /needs a value/],
    [['strip', 'a'], /takes 2 file arguments, got 1/],
    [['-u', 'a', 'b', 'c'], /takes 2 file arguments, got 3/],
    [['build', '-i', '1', 'only-one'], /ORIG and PATCHED/],
    [['frobnicate'], /unknown command/],
  ])('refuses %j', (argv, message) => {
    expect(usageError(argv as string[])).toMatch(new RegExp(`^USAGE: .*${message.source}`));
  });
});
