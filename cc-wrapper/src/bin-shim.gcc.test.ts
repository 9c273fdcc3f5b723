/**
 * bin/tscare-cc and bin/tscare-c++ are sh shims that start Node without
 * NODE_EXTRA_CA_CERTS; the wrapper must hand the caller's value back to the compiler.
 * A recording compiler (a sh script that then runs gcc) sees what gcc would see, and
 * reads its parent's (Node's) start environment and command line from /proc.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { BIN_CC } from './test-support.js';

const BIN = join(BIN_CC, '..');
const RECORDER = `#!/bin/sh
{
  if [ -n "\${NODE_EXTRA_CA_CERTS+set}" ]; then echo "ca=[$NODE_EXTRA_CA_CERTS]"; else echo "ca unset"; fi
  if [ -n "\${TSCARE_SAVED_NODE_EXTRA_CA_CERTS+set}" ]; then echo "parked=[$TSCARE_SAVED_NODE_EXTRA_CA_CERTS]"; fi
  echo "node started with ca: $(tr '\\0' '\\n' < /proc/$PPID/environ | grep -c '^NODE_EXTRA_CA_CERTS=')"
  echo "node ran: $(tr '\\0' '\\n' < /proc/$PPID/cmdline | sed -n 2p)"
} > "$SHIM_TEST_REPORT"
exec gcc "$@"
`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tscare-shim-'));
  writeFileSync(join(dir, 'recorder'), RECORDER, { mode: 0o755 });
  writeFileSync(join(dir, 'tiny.c'), 'int tiny(int x) { return x + 1; }\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs cmd in `dir` with exactly the caller environment `env` (plus PATH and the recorder's settings). */
function call(cmd: string, args: readonly string[], env: Record<string, string>): { status: number | null; stderr: string; report: string[] } {
  const report = join(dir, 'report');
  rmSync(report, { force: true });
  const full = { PATH: process.env.PATH ?? '/usr/bin:/bin', TSCARE_REAL_CC: join(dir, 'recorder'), TSCARE_REAL_CXX: join(dir, 'recorder'), SHIM_TEST_REPORT: report, ...env };
  const r = spawnSync(cmd, args, { cwd: dir, env: full, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, stderr: r.stderr, report: readFileSync(report, 'utf8').trim().split('\n') };
}

const COMPILE = ['-O2', '-c', 'tiny.c', '-o', 'tiny.o'];

describe('the caller\'s NODE_EXTRA_CA_CERTS reaches the compiler; Node starts without it', () => {
  test.each([['original'], ['pass-through']])('set, %s stage: gcc sees it unchanged, nothing parked; Node ran the bundle', (stage) => {
    const env: Record<string, string> = { NODE_EXTRA_CA_CERTS: '/etc/ssl/my ca.pem' };
    if (stage === 'original') env.TSCARE_STAGE = 'original';
    const r = call(BIN_CC, COMPILE, env);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.report).toEqual(['ca=[/etc/ssl/my ca.pem]', 'node started with ca: 0', expect.stringMatching(/\/cc-wrapper\/dist\/cli\.bundle\.cjs$/)]);
  });

  test('unset stays unset, and empty stays empty', () => {
    expect(call(BIN_CC, COMPILE, {}).report.slice(0, 2)).toEqual(['ca unset', 'node started with ca: 0']);
    expect(call(BIN_CC, COMPILE, { NODE_EXTRA_CA_CERTS: '' }).report.slice(0, 2)).toEqual(['ca=[]', 'node started with ca: 0']);
  });

  test('tscare-c++ does the same with its own bundle', () => {
    const r = call(join(BIN, 'tscare-c++'), ['-x', 'c', ...COMPILE], { NODE_EXTRA_CA_CERTS: '/ca.pem', TSCARE_STAGE: 'original' });
    expect(r.report).toEqual(['ca=[/ca.pem]', 'node started with ca: 0', expect.stringMatching(/\/cc-wrapper\/dist\/cli-cxx\.bundle\.cjs$/)]);
  });

  test('under a tscare tool that parked the value and did not restore it, gcc still gets it', () => {
    const r = call(BIN_CC, COMPILE, { TSCARE_SAVED_NODE_EXTRA_CA_CERTS: '/parked.pem' });
    expect(r.report.slice(0, 2)).toEqual(['ca=[/parked.pem]', 'node started with ca: 0']);
  });

  test('a value set again below a parked one wins: it is what the caller has now', () => {
    const r = call(BIN_CC, COMPILE, { NODE_EXTRA_CA_CERTS: '/new.pem', TSCARE_SAVED_NODE_EXTRA_CA_CERTS: '/parked.pem' });
    expect(r.report.slice(0, 2)).toEqual(['ca=[/new.pem]', 'node started with ca: 0']);
  });
});

describe('the shim finds the repository however it is called', () => {
  const ran = (r: { report: string[] }) => r.report[2];

  test('through an absolute symlink, a relative symlink and a chain of both, also from PATH', () => {
    mkdirSync(join(dir, 'usr/bin'), { recursive: true });
    mkdirSync(join(dir, 'opt'));
    symlinkSync(BIN_CC, join(dir, 'opt/abs-cc'));
    symlinkSync(relative(join(dir, 'usr/bin'), BIN_CC), join(dir, 'usr/bin/rel-cc'));
    symlinkSync('../../opt/abs-cc', join(dir, 'usr/bin/tscare-cc'));
    for (const cmd of [join(dir, 'opt/abs-cc'), join(dir, 'usr/bin/rel-cc'), join(dir, 'usr/bin/tscare-cc')]) {
      expect(ran(call(cmd, COMPILE, {}))).toMatch(/\/cc-wrapper\/dist\/cli\.bundle\.cjs$/);
    }
    const fromPath = call('tscare-cc', COMPILE, { PATH: `${join(dir, 'usr/bin')}:${process.env.PATH ?? '/usr/bin:/bin'}` });
    expect(fromPath.status).toBe(0);
    expect(ran(fromPath)).toMatch(/\/cc-wrapper\/dist\/cli\.bundle\.cjs$/);
  });

  test('run as `sh tscare-cc` from inside bin/ (no slash in $0)', () => {
    const report = join(dir, 'report');
    const r = spawnSync('sh', ['tscare-cc', ...COMPILE.slice(0, 2), join(dir, 'tiny.c'), '-o', join(dir, 'tiny.o')], {
      cwd: BIN,
      env: { PATH: process.env.PATH, TSCARE_REAL_CC: join(dir, 'recorder'), SHIM_TEST_REPORT: report },
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(readFileSync(report, 'utf8')).toMatch(/node ran: \.\/\.\.\/cc-wrapper\/dist\/cli\.bundle\.cjs\n$/);
  });
});

describe('bundle or unbundled CLI: the bundle only while no tsc build of what it holds is newer', () => {
  /** A fake repository with the real shim, whose two CLIs print their own name. */
  function fakeRepo(): string {
    const root = join(dir, 'repo');
    for (const d of ['bin', 'cc-wrapper/dist', 'packages/errors/dist']) mkdirSync(join(root, d), { recursive: true });
    copyFileSync(BIN_CC, join(root, 'bin/tscare-cc'));
    chmodSync(join(root, 'bin/tscare-cc'), 0o755);
    writeFileSync(join(root, 'cc-wrapper/dist/cli.js'), 'console.log("unbundled")\n');
    writeFileSync(join(root, 'cc-wrapper/dist/cli.bundle.cjs'), 'console.log("bundle")\n');
    return root;
  }

  // Whole seconds, so that "the same time" is exactly the same.
  const now = Math.floor(Date.now() / 1000);

  function stamp(root: string, ages: Record<string, number>): string {
    for (const [file, age] of Object.entries(ages)) {
      writeFileSync(join(root, file), '');
      utimesSync(join(root, file), now - age, now - age);
    }
    const r = spawnSync(join(root, 'bin/tscare-cc'), [], { encoding: 'utf8' });
    return r.stdout.trim();
  }

  test('not older than either .tsbuildinfo file: bundle; older than either, or missing: unbundled', () => {
    const root = fakeRepo();
    const bundle = 'cc-wrapper/dist/cli.bundle.cjs';
    const own = 'cc-wrapper/dist/.tsbuildinfo';
    const errors = 'packages/errors/dist/.tsbuildinfo';
    utimesSync(join(root, bundle), now - 10, now - 10);
    expect(stamp(root, { [own]: 20, [errors]: 30 })).toBe('bundle');
    // A copy that kept only whole seconds (tar) gives the bundle its tsc build's time.
    expect(stamp(root, { [own]: 10, [errors]: 10 })).toBe('bundle');
    expect(stamp(root, { [own]: 5, [errors]: 30 })).toBe('unbundled');
    expect(stamp(root, { [own]: 20, [errors]: 5 })).toBe('unbundled');
    rmSync(join(root, bundle));
    expect(stamp(root, { [own]: 20, [errors]: 30 })).toBe('unbundled');
  });
});

test('every bin/ entry is a sh shim whose CLI exists and is executable (scripts/mark-bins.sh)', () => {
  const names = readdirSync(BIN);
  expect(names).toEqual(expect.arrayContaining(['tscare-cc', 'tscare-c++', 'tscare-ctl', 'tscare-gensrc', 'tscare-kpatch', 'tscare-patch-make']));
  for (const name of names) {
    const text = readFileSync(join(BIN, name), 'utf8');
    expect(text.startsWith('#!/bin/sh\n')).toBe(true);
    const cli = /^cli=(\S+)$/m.exec(text)?.[1];
    expect(cli).toBeDefined();
    const check = spawnSync('test', ['-x', join(BIN, '..', cli ?? '')]);
    expect({ name, executable: check.status === 0 }).toEqual({ name, executable: true });
  }
});
