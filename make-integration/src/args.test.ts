import { parseCommandLine, resolveOptions, type PatchMakeOptions } from './args.js';
import type { TscareConfig } from './config.js';
import { TscareError } from '@tscare/errors';

/** The command line resolved without a tscare.toml; null for --help. */
function options(argv: string[], config?: TscareConfig): PatchMakeOptions | null {
  const parsed = parseCommandLine(argv);
  return parsed.kind === 'help' ? null : resolveOptions(parsed.given, config);
}

const DEFAULTS = { make: { command: 'make', targets: [], installTargets: ['install'] }, extraCflags: [], binaries: { patch: [], skip: [] }, quiet: false };

function usageMessage(argv: string[]): string {
  try {
    options(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(TscareError);
    expect((e as TscareError).code).toBe('PATCHMAKE_USAGE');
    return (e as Error).message;
  }
  throw new Error('no usage error');
}

describe('parseCommandLine', () => {
  test('short options, as libcare-patch-make takes them', () => {
    expect(options(['-c', '-s', 'src', '-d', 'PREFIX', '-i', '0001', '-b', 'AB'.repeat(20), '-j', '4', 'a.patch', 'b.patch'])).toEqual({
        ...DEFAULTS,
        clean: true,
        update: false,
        srcdir: 'src',
        destdirVar: 'PREFIX',
        patchId: '0001',
        buildId: 'ab'.repeat(20),
        jobs: 4,
        patches: ['a.patch', 'b.patch'],
    });
  });

  test('-q / --quiet', () => {
    expect(options(['-q', '-i', '1', 'a.patch'])?.quiet).toBe(true);
    expect(options(['--quiet', '-i', '1', 'a.patch'])?.quiet).toBe(true);
  });

  test('long options with = and defaults', () => {
    expect(options(['--update', '--id=fix1'])).toEqual({
      ...DEFAULTS, clean: false, update: true, srcdir: '.', destdirVar: 'DESTDIR', patchId: 'fix1', buildId: undefined, jobs: undefined, patches: [],
    });
    expect(parseCommandLine(['--help'])).toEqual({ kind: 'help' });
    expect(parseCommandLine(['--config', 'x.toml', '-i', '1', 'p'])).toEqual({ kind: 'run', given: { config: 'x.toml', id: '1', patches: ['p'] } });
  });

  test.each<[string[], string]>([
    [['foo.patch'], 'a patch id is required (-i ID, or id in [patch] of tscare.toml)'],
    [['-i', '12345678', 'foo.patch'], 'invalid patch id "12345678": at most 7 characters'],
    [['-i', '1'], 'no patch given (PATCH..., or files in [patch] of tscare.toml)'],
    [['-c', '-u', '-i', '1'], '--clean and --update exclude each other'],
    [['-i', '1', '-b', 'xyz', 'p'], 'invalid build id "xyz": 40 hexadecimal digits expected'],
    [['-i', '1', '-j', '0', 'p'], 'invalid job count "0"'],
    [['-i', '1', '-d', 'A B', 'p'], 'invalid make variable name "A B"'],
  ])('%j → %s', (argv, message) => expect(usageMessage(argv)).toBe(message));

  test('unknown options are usage errors', () => {
    expect(usageMessage(['-i', '1', '--frobnicate', 'p'])).toContain("Unknown option '--frobnicate'");
  });
});

describe('resolveOptions with a tscare.toml', () => {
  const config: TscareConfig = {
    file: '/p/tscare.toml',
    patch: { id: 'cfg1', description: 'd', cves: ['CVE-2024-0001'], files: ['/p/a.patch', '/p/b.patch'], level: 2 },
    make: { command: 'gmake', targets: ['all', 'tools'], installTargets: ['install-bin'], installVar: 'PREFIX', jobs: 3 },
    compiler: { extraFlags: ['-fno-omit-frame-pointer'] },
    binaries: { patch: ['usr/bin/*'], skip: ['usr/bin/*-test'] },
  };

  test('the file fills what the command line leaves out', () => {
    expect(options([], config)).toMatchObject({
      patchId: 'cfg1', destdirVar: 'PREFIX', jobs: 3, patches: ['/p/a.patch', '/p/b.patch'],
      make: { command: 'gmake', targets: ['all', 'tools'], installTargets: ['install-bin'] },
      extraCflags: ['-fno-omit-frame-pointer'], binaries: { patch: ['usr/bin/*'], skip: ['usr/bin/*-test'] },
    });
  });

  test('the command line wins over the file', () => {
    expect(options(['-i', 'cli', '-d', 'DESTDIR', '-j', '8', 'c.patch'], config)).toMatchObject({ patchId: 'cli', destdirVar: 'DESTDIR', jobs: 8, patches: ['c.patch'] });
  });
});
