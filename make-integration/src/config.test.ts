import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TscareError } from '@tscare/errors';
import { SCHEMA_PATH, findConfig, loadConfig } from './config.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tscare-toml-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(text: string, name = 'tscare.toml'): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function failure(text: string): TscareError {
  const file = write(text);
  try {
    loadConfig(file);
  } catch (e) {
    expect(e).toBeInstanceOf(TscareError);
    return e as TscareError;
  }
  throw new Error('the file was accepted');
}

const FULL = `
[patch]
id = "0001"
description = "print a better greeting"
cves = ["CVE-2024-12345", "CVE-2023-0001"]
files = ["fix.patch", "sub/more.patch"]
level = 2

[make]
command = "gmake"
targets = ["all"]
install_targets = ["install-bin"]
install_var = "PREFIX"
jobs = 4

[compiler]
extra_flags = ["-fno-omit-frame-pointer", "-DTSCARE=1"]

[binaries]
patch = ["usr/bin/*", "usr/lib/**"]
skip = ["usr/bin/*-test"]
`;

describe('good files', () => {
  test('every key, as the typed configuration', () => {
    const file = write(FULL);
    expect(loadConfig(file)).toEqual({
      file,
      patch: { id: '0001', description: 'print a better greeting', cves: ['CVE-2024-12345', 'CVE-2023-0001'], files: [join(dir, 'fix.patch'), join(dir, 'sub/more.patch')], level: 2 },
      make: { command: 'gmake', targets: ['all'], installTargets: ['install-bin'], installVar: 'PREFIX', jobs: 4 },
      compiler: { extraFlags: ['-fno-omit-frame-pointer', '-DTSCARE=1'] },
      binaries: { patch: ['usr/bin/*', 'usr/lib/**'], skip: ['usr/bin/*-test'] },
    });
  });

  test('an empty file is valid and leaves everything to the defaults', () => {
    const file = write('# nothing set\n');
    expect(loadConfig(file)).toEqual({
      file,
      patch: { id: undefined, description: undefined, cves: [], files: undefined, level: undefined },
      make: { command: undefined, targets: undefined, installTargets: undefined, installVar: undefined, jobs: undefined },
      compiler: { extraFlags: [] },
      binaries: { patch: [], skip: [] },
    });
  });

  test('findConfig: ./tscare.toml when present, nothing otherwise, --config wins', () => {
    expect(findConfig(undefined, dir)).toBeUndefined();
    write('[patch]\nid = "top"\n');
    write('[patch]\nid = "other"\n', 'other.toml');
    expect(findConfig(undefined, dir)?.patch.id).toBe('top');
    expect(findConfig('other.toml', dir)?.patch.id).toBe('other');
  });
});

describe('bad files: the file, the key and what is allowed', () => {
  test('a missing --config file', () => {
    expect(() => findConfig('nope.toml', dir)).toThrow(expect.objectContaining({ code: 'CONFIG_UNREADABLE', message: expect.stringContaining(`cannot read ${join(dir, 'nope.toml')}: ENOENT`) }));
  });

  test('TOML syntax: file, line and column', () => {
    const e = failure('[patch]\nid = "0001"\ncves = ["CVE-2024-12345",\n');
    expect(e.code).toBe('CONFIG_SYNTAX');
    expect(e.message).toBe(`${join(dir, 'tscare.toml')}:4:1: not valid TOML: Unterminated inline array`);
  });

  test('an unknown key lists the allowed keys of its table', () => {
    const e = failure('[make]\ncomand = "gmake"\n');
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toBe(`${join(dir, 'tscare.toml')}: unknown key "comand" in [make]; allowed: command, targets, install_targets, install_var, jobs`);
    expect(e.hint).toBe(`the allowed keys and values are in ${SCHEMA_PATH}`);
  });

  test('an unknown table lists the tables', () => {
    expect(failure('[rpm]\nname = "x"\n').message).toContain('unknown key "rpm" at the top level; allowed: [patch], [make], [compiler], [binaries]');
  });

  test.each<[string, string]>([
    ['[patch]\nid = "12345678"\n', 'patch.id = "12345678" is not allowed: 1 to 7 printable characters without spaces'],
    ['[patch]\nid = 1\n', 'patch.id must be a string, got 1: 1 to 7 printable characters'],
    ['[patch]\ncves = ["CVE-24-1"]\n', 'patch.cves[0] = "CVE-24-1" is not allowed: a CVE id such as "CVE-2024-12345"'],
    ['[patch]\ncves = "CVE-2024-12345"\n', 'patch.cves must be an array, got "CVE-2024-12345"'],
    ['[patch]\nlevel = 0\n', 'patch.level = 0 is not allowed: the patch level in the storage (BUILDID/LEVEL/kpatch.bin), an integer from 1 to 9999'],
    ['[make]\njobs = "4"\n', 'make.jobs must be an integer, got "4": parallel make jobs, an integer from 1 to 1024'],
    ['[make]\ninstall_var = "DEST DIR"\n', 'make.install_var = "DEST DIR" is not allowed: the make variable that holds the install root'],
    ['[make]\ntargets = ["-k"]\n', 'make.targets[0] = "-k" is not allowed: a make target (no spaces, no \'=\', not an option)'],
    ['[compiler]\nextra_flags = ["-DX=$(rm -rf /)"]\n', 'compiler.extra_flags[0] = "-DX=$(rm -rf /)" is not allowed: one compiler option starting with \'-\', without spaces or shell characters'],
    ['[binaries]\nskip = ["/usr/bin/x"]\n', 'binaries.skip[0] = "/usr/bin/x" is not allowed: a glob relative to the install tree'],
  ])('%j', (text, message) => {
    const e = failure(text);
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toContain(`${join(dir, 'tscare.toml')}: ${message}`);
  });

  test('several mistakes are all reported, one per line', () => {
    const e = failure('[patch]\nid = ""\nlevel = 1.5\n[make]\njbos = 2\n');
    expect(e.message.split('\n')).toEqual([
      `${join(dir, 'tscare.toml')}: `,
      '  patch.id = "" is not allowed: 1 to 7 printable characters without spaces (the .kpatch header holds 7), e.g. "0001"',
      '  patch.level must be an integer, got 1.5: the patch level in the storage (BUILDID/LEVEL/kpatch.bin), an integer from 1 to 9999',
      '  unknown key "jbos" in [make]; allowed: command, targets, install_targets, install_var, jobs',
    ]);
  });
});
