import { TscareError } from '@tscare/errors';
import { parseRpmCommandLine } from './rpm-args.js';

function usage(argv: string[]): string {
  try {
    parseRpmCommandLine(argv);
  } catch (e) {
    expect((e as TscareError).code).toBe('RPM_USAGE');
    return (e as Error).message;
  }
  throw new Error('accepted');
}

test('all options', () => {
  expect(parseRpmCommandLine(['--target', 'hello', '--target-evr', '1.0-1', '--level', '2', '--release', '3', '--license', 'MIT',
    '--name', 'h', '--config', 'c.toml', '--patchroot', 'pr', '-o', 'h.spec', '--build', '--topdir', 't'])).toEqual({
    kind: 'run',
    options: { targetName: 'hello', targetEvr: '1.0-1', level: 2, release: '3', license: 'MIT', name: 'h', config: 'c.toml', patchroot: 'pr', output: 'h.spec', build: true, topdir: 't' },
  });
  expect(parseRpmCommandLine(['--target', 'x', '--target-evr', '1-1'])).toMatchObject({ options: { level: undefined, release: '1', build: false } });
  expect(parseRpmCommandLine(['-h'])).toEqual({ kind: 'help' });
});

test.each<[string[], string]>([
  [['--target', 'x'], '--target NAME and --target-evr VERSION-RELEASE are required'],
  [['--target', 'x', '--target-evr', '1-1', '--level', '0'], 'invalid level "0": an integer from 1 to 9999'],
  [['--target', 'x', '--target-evr', '1-1', '--topdir', 't'], '--topdir is only used with --build'],
])('%j → %s', (argv, message) => expect(usage(argv)).toBe(message));
