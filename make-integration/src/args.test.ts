import { parseCommandLine } from './args.js';
import { TscareError } from '@tscare/errors';

function usageMessage(argv: string[]): string {
  try {
    parseCommandLine(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(TscareError);
    expect((e as TscareError).code).toBe('PATCHMAKE_USAGE');
    return (e as Error).message;
  }
  throw new Error('no usage error');
}

describe('parseCommandLine', () => {
  test('short options, as libcare-patch-make takes them', () => {
    expect(parseCommandLine(['-c', '-s', 'src', '-d', 'PREFIX', '-i', '0001', '-b', 'AB'.repeat(20), '-j', '4', 'a.patch', 'b.patch'])).toEqual({
      kind: 'run',
      options: {
        clean: true,
        update: false,
        srcdir: 'src',
        destdirVar: 'PREFIX',
        patchId: '0001',
        buildId: 'ab'.repeat(20),
        jobs: 4,
        patches: ['a.patch', 'b.patch'],
      },
    });
  });

  test('long options with = and defaults', () => {
    const parsed = parseCommandLine(['--update', '--id=fix1']);
    expect(parsed).toEqual({
      kind: 'run',
      options: { clean: false, update: true, srcdir: '.', destdirVar: 'DESTDIR', patchId: 'fix1', buildId: undefined, jobs: undefined, patches: [] },
    });
    expect(parseCommandLine(['--help'])).toEqual({ kind: 'help' });
  });

  test.each<[string[], string]>([
    [['foo.patch'], 'a patch id is required (-i ID)'],
    [['-i', '12345678', 'foo.patch'], 'invalid patch id "12345678": at most 7 characters'],
    [['-i', '1'], 'no patch given'],
    [['-c', '-u', '-i', '1'], '--clean and --update exclude each other'],
    [['-i', '1', '-b', 'xyz', 'p'], 'invalid build id "xyz": 40 hexadecimal digits expected'],
    [['-i', '1', '-j', '0', 'p'], 'invalid job count "0"'],
    [['-i', '1', '-d', 'A B', 'p'], 'invalid make variable name "A B"'],
  ])('%j → %s', (argv, message) => expect(usageMessage(argv)).toBe(message));

  test('unknown options are usage errors', () => {
    expect(usageMessage(['-i', '1', '--frobnicate', 'p'])).toContain("Unknown option '--frobnicate'");
  });
});
