import { parseArgs } from './cli-args.js';

describe('parseArgs (libcare-ctl command lines)', () => {
  test('patch takes the last argument as the storage and counts -v', () => {
    expect(parseArgs(['-v', 'patch', '-p', '42', 'x.kpatch'])).toEqual({ kind: 'patch', pid: 42, storage: 'x.kpatch', verbose: 1, json: false });
    expect(parseArgs(['patch-user', '-p', '7', 'a', 'dir'])).toEqual({ kind: 'patch', pid: 7, storage: 'dir', verbose: 0, json: false });
  });

  test('unpatch needs -i and keeps the object filters; info takes one pid', () => {
    expect(parseArgs(['unpatch-user', '-p', '9', '-i', '0001', 'foo'])).toEqual({ kind: 'unpatch', pid: 9, id: '0001', only: ['foo'], verbose: 0, json: false });
    expect(parseArgs(['info-user', '-p', '3', '-v'])).toEqual({ kind: 'info', pid: 3, verbose: 1, json: false });
    expect(parseArgs([])).toEqual({ kind: 'help' });
    expect(parseArgs(['patch', '-p', 'all', 'dir'])).toEqual({ kind: 'patch', pid: 'all', storage: 'dir', verbose: 0, json: false });
    expect(parseArgs(['unpatch', '-p', 'all', '-i', '7'])).toMatchObject({ kind: 'unpatch', pid: 'all', id: '7' });
  });

  test('patch --require-signed KEY (or =KEY) names the trusted public key', () => {
    expect(parseArgs(['patch', '-p', '3', '--require-signed', 'k.pub', 'x.kpatch'])).toEqual({ kind: 'patch', pid: 3, storage: 'x.kpatch', verbose: 0, json: false, requireSigned: 'k.pub' });
    expect(parseArgs(['patch', '-p', '3', '--require-signed=/etc/k.pub', 'dir'])).toMatchObject({ storage: 'dir', requireSigned: '/etc/k.pub' });
  });

  test('--json may stand anywhere and is not taken for a path', () => {
    expect(parseArgs(['--json', 'info', '-p', '3'])).toEqual({ kind: 'info', pid: 3, verbose: 0, json: true });
    expect(parseArgs(['patch', '-p', '3', 'x.kpatch', '--json'])).toMatchObject({ kind: 'patch', storage: 'x.kpatch', json: true });
  });

  test.each([
    [['unpatch', '-p', '9'], 'unpatch needs -i'],
    [['patch', '-p', '9'], 'needs a .kpatch file'],
    [['patch', 'x.kpatch'], '-p <PID> is required'],
    [['info', '-p', 'abc'], '"abc" is not a pid'],
    [['info', '-p', 'all'], 'info takes one pid'],
    [['frobnicate', '-p', '1'], 'unknown command "frobnicate"'],
    [['info', '-p', '1', '-x'], 'unknown option -x'],
    [['patch', '-p', '1', 'x.kpatch', '--require-signed'], '--require-signed needs a public key file'],
    [['unpatch', '-p', '1', '-i', '1', '--require-signed', 'k.pub'], '--require-signed is an option of patch'],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringContaining(message) }));
  });
});

describe('exec', () => {
  test('everything after -- is the program and its arguments, even our own options', () => {
    expect(parseArgs(['exec', '--storage', 'd', '--', 'prog', '--json', '-v', '--'])).toEqual({
      kind: 'exec', storage: 'd', program: 'prog', args: ['--json', '-v', '--'], verbose: 0, json: false,
    });
    expect(parseArgs(['--json', '-v', 'exec', '--storage', 'd', '--require-signed', 'k.pub', '--', 'prog'])).toEqual({
      kind: 'exec', storage: 'd', program: 'prog', args: [], verbose: 1, json: true, requireSigned: 'k.pub',
    });
    expect(parseArgs(['exec', '--require-signed=k.pub', '--storage', 'd', '--', 'prog', 'a'])).toMatchObject({ requireSigned: 'k.pub', args: ['a'] });
  });

  test.each([
    [['exec', '--', 'prog'], 'exec needs --storage'],
    [['exec', '--storage', 'd'], 'exec needs -- PROGRAM'],
    [['exec', '--storage', 'd', 'prog'], 'unknown argument prog for exec (the program comes after --)'],
    [['exec', '--storage', 'd', '--require-signed=', '--', 'prog'], '--require-signed needs a public key file'],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });
});
