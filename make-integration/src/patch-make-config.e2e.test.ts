/**
 * tscare-patch-make driven by a tscare.toml, on copies of examples/hello: real make,
 * gcc, tscare-cc and kpatch builder.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'make-integration/dist/cli.js');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tscare-pmc-'));
  cpSync(join(ROOT, 'examples/hello'), dir, { recursive: true });
  // The patch is named only in the file, from a subdirectory: paths are relative to it.
  cpSync(join(dir, 'foo.patch'), join(dir, 'patches/fix.patch'), { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function patchMake(args: string[]) {
  const env = { ...process.env };
  for (const k of ['TSCARE_STAGE', 'KPATCH_STAGE', 'TSCARE_LOG', 'MAKEFLAGS', 'MAKELEVEL']) delete env[k];
  return spawnSync(process.execPath, [CLI, ...args], { cwd: dir, env, encoding: 'utf8' });
}

function buildId(file: string): string {
  return /Build ID: ([0-9a-f]{40})/.exec(spawnSync('readelf', ['-n', file], { encoding: 'utf8' }).stdout)?.[1] ?? 'none';
}

test('id, patch files, targets and extra flags from ./tscare.toml', () => {
  writeFileSync(join(dir, 'tscare.toml'), [
    '[patch]', 'id = "toml1"', 'files = ["patches/fix.patch"]',
    '[make]', 'command = "make"', 'targets = ["foo"]', 'install_targets = ["install"]', 'jobs = 2',
    '[compiler]', 'extra_flags = ["-DTSCARE_EXTRA=1"]', '',
  ].join('\n'));
  const r = patchMake([]);
  expect(r.stderr).not.toContain('error');
  expect(r.status).toBe(0);
  const kpatch = join(dir, 'patchroot', `${buildId(join(dir, 'lpmake/foo'))}.kpatch`);
  expect(r.stdout).toBe(`patch for ${join(dir, 'lpmake/foo')} is in ${kpatch}\n`);
  expect(readFileSync(kpatch).subarray(0, 16).toString('latin1')).toBe('KPATCH1\x00toml1\0\0\0');
  const log = readFileSync(join(dir, '.lpmaketmp/build.log'), 'utf8');
  // Both builds ran the configured target with -j2 and compiled with the extra flag.
  expect(log).toMatch(/=== original build: make -j2 foo CC=\S+ -DTSCARE_EXTRA=1 /);
  expect(log).toMatch(/=== patched build: make -j2 foo CC=\S+ -DTSCARE_EXTRA=1 /);
  expect(log.match(/-DTSCARE_EXTRA=1 -O2 -g -c -o foo\.o foo\.c/g)).toHaveLength(2);
  // The command line wins: another id, no rebuild.
  expect(patchMake(['-u', '-i', 'cli2']).status).toBe(0);
  expect(readFileSync(kpatch).subarray(8, 16).toString('latin1')).toBe('cli2\0\0\0\0');
});

test('binaries.skip leaves a changed binary out and says so', () => {
  writeFileSync(join(dir, 'tscare.toml'), '[patch]\nid = "s1"\n[binaries]\nskip = ["fo?"]\n');
  const r = patchMake(['foo.patch']);
  expect(r.status).toBe(0);
  expect(r.stdout).toBe('');
  expect(r.stderr).toContain(`skipped ${join(dir, 'lpmake/foo')}: binaries.skip "fo?"`);
  expect(r.stderr).toMatch(/^lpmake\/foo +[0-9a-f]{40} +- +- +skipped \(binaries\.skip "fo\?"\)$/m);
  expect(r.stderr).toContain('no changes');
  expect(existsSync(join(dir, 'patchroot'))).toBe(false);
});

test('a bad tscare.toml stops before any build: exit 78, file and key named', () => {
  writeFileSync(join(dir, 'bad.toml'), '[make]\njobs = 0\n');
  const r = patchMake(['--config', 'bad.toml', '-i', '1', 'foo.patch']);
  expect(r.status).toBe(78);
  expect(r.stderr).toContain(`tscare-patch-make: error CONFIG_INVALID: ${join(dir, 'bad.toml')}: make.jobs = 0 is not allowed: parallel make jobs, an integer from 1 to 1024`);
  expect(r.stderr).toContain('tscare-toml.schema.json');
  expect(existsSync(join(dir, 'lpmake'))).toBe(false);
});
