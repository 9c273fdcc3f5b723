/**
 * tscare-rpm end to end: the hello example's patch from tscare-patch-make, packaged by a
 * REAL rpmbuild (Debian's rpm package), checked with rpm -qlp / --scripts / --requires,
 * installed into a private root, and its scriptlets run against a live process with the
 * real tscare-ctl inside a private PID namespace (so `-p all` sees only the test's process).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PATCH_MAKE = join(ROOT, 'bin/tscare-patch-make');
const TSCARE_RPM = join(ROOT, 'make-integration/rpm/tscare-rpm');
const TSCARE_CTL = join(ROOT, 'bin/tscare-ctl');
const NAME = 'tscare-patch-hello-1_0_1_el9';

function run(cmd: string, args: string[], cwd: string, input?: string): SpawnSyncReturns<string> {
  const env = { ...process.env };
  for (const k of ['TSCARE_STAGE', 'KPATCH_STAGE', 'TSCARE_LOG', 'MAKEFLAGS', 'MAKELEVEL', 'LPMAKE_PATCHROOT']) delete env[k];
  return spawnSync(cmd, args, { cwd, env, encoding: 'utf8', input });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  if (r.error !== undefined || r.status !== 0) throw new Error(`${what} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** rpmbuild comes from Debian's rpm package; install it when missing (the tests run as root). */
function ensureRpmbuild(): void {
  if (spawnSync('rpmbuild', ['--version']).error === undefined) return;
  const r = spawnSync('apt-get', ['install', '-y', 'rpm'], { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  ok(r, 'apt-get install -y rpm (needed for rpmbuild)');
  if (spawnSync('rpmbuild', ['--version']).error !== undefined) throw new Error('apt-get installed rpm but rpmbuild is still missing');
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

let dir: string;
let buildId: string;
let rpmFile: string;
let rpmbuildMs: number;

const DESCRIPTION = 'The greeting is 100% better.';
const EXPECTED_DESCRIPTION = `tscare hot patch 0001 (level 2) for hello-1.0-1.el9\nFixes: CVE-2024-12345, CVE-2023-4242\n\n${DESCRIPTION}\n`;

beforeAll(() => {
  ensureRpmbuild();
  dir = mkdtempSync(join(tmpdir(), 'tscare-rpm-'));
  cpSync(join(ROOT, 'examples/hello'), dir, { recursive: true });
  ok(run(PATCH_MAKE, ['--clean', '-i', '0001', 'foo.patch'], dir), 'tscare-patch-make');
  [buildId] = readdirSync(join(dir, 'patchroot')).map((n) => n.replace(/\.kpatch$/, ''));
  writeFileSync(join(dir, 'tscare.toml'), `[patch]\ndescription = "${DESCRIPTION}"\ncves = ["CVE-2024-12345", "CVE-2023-4242"]\nlevel = 2\n`);
  const started = performance.now();
  const out = ok(run(TSCARE_RPM, ['--target', 'hello', '--target-evr', '1.0-1.el9', '--build', '--topdir', join(dir, 'rpmtop')], dir), 'tscare-rpm --build');
  rpmbuildMs = performance.now() - started;
  rpmFile = join(dir, `rpmtop/RPMS/x86_64/${NAME}-2-1.x86_64.rpm`);
  expect(out).toBe(`spec: ${join(dir, `${NAME}.spec`)}\nrpm: ${rpmFile}\n`);
});
afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

test('the package: name, files in the storage layout, byte-exact patch, description', () => {
  process.stderr.write(`tscare-rpm --build (spec + rpmbuild -bb) took ${rpmbuildMs.toFixed(0)} ms\n`);
  expect(buildId).toMatch(/^[0-9a-f]{40}$/);
  expect(ok(run('rpm', ['-qp', '--qf', '%{NAME} %{VERSION} %{RELEASE} %{ARCH}\\n', rpmFile], dir), 'rpm -qp')).toBe(`${NAME} 2 1 x86_64\n`);
  const store = `/var/lib/tscare/${buildId}`;
  expect(ok(run('rpm', ['-qlp', rpmFile], dir), 'rpm -qlp').split('\n')).toEqual([
    store, `${store}/2`, `${store}/2/description`, `${store}/2/kpatch.bin`, `${store}/latest`, '',
  ]);
  // --dump: path size mtime sha256 mode owner group isconfig isdoc rdev symlink
  const dump = new Map(ok(run('rpm', ['-qp', '--dump', rpmFile], dir), 'rpm --dump').trim().split('\n').map((l) => {
    const f = l.split(' ');
    return [f[0], { digest: f[3], mode: f[4], link: f[10] }] as const;
  }));
  expect(dump.get(`${store}/2/kpatch.bin`)).toEqual({ digest: sha256(readFileSync(join(dir, 'patchroot', `${buildId}.kpatch`))), mode: '0100644', link: 'X' });
  expect(dump.get(`${store}/2/description`)).toEqual({ digest: sha256(EXPECTED_DESCRIPTION), mode: '0100644', link: 'X' });
  expect(dump.get(`${store}/latest`)).toMatchObject({ mode: '0120777', link: '2' });
  const info = ok(run('rpm', ['-qip', rpmFile], dir), 'rpm -qip');
  expect(info).toContain('Summary     : Hot patch 0001 for hello-1.0-1.el9 (CVE-2024-12345, CVE-2023-4242)');
  expect(info).toContain(`Description :\n${EXPECTED_DESCRIPTION}`);
});

test('requires the exact version-release of hello and tscare-ctl for its scriptlets', () => {
  const requires = ok(run('rpm', ['-qp', '--requires', rpmFile], dir), 'rpm --requires').split('\n');
  expect(requires).toContain('hello = 1.0-1.el9');
  expect(requires.filter((r) => r === '/usr/bin/tscare-ctl')).toHaveLength(3); // plain, (post), (preun)
  expect(requires.filter((r) => /^hello\b/.test(r))).toEqual(['hello = 1.0-1.el9']);
});

test('scriptlets: %post applies the storage to all processes, %preun unpatches on erase only', () => {
  const scripts = ok(run('rpm', ['-qp', '--scripts', rpmFile], dir), 'rpm --scripts');
  const post = scripts.slice(scripts.indexOf('postinstall scriptlet'), scripts.indexOf('preuninstall scriptlet'));
  const preun = scripts.slice(scripts.indexOf('preuninstall scriptlet'));
  expect(post).toContain('  /usr/bin/tscare-ctl patch -p all /var/lib/tscare ||\n');
  expect(post).toMatch(/exit 0\n*$/);
  expect(preun).toContain('if [ "$1" = 0 ] && [ -x /usr/bin/tscare-ctl ]; then\n  for id in 0001; do\n');
  expect(preun).toContain(`/usr/bin/tscare-ctl unpatch -p all -i "$id" ${buildId} ||\n`);
  expect(preun).toMatch(/exit 0\n*$/);
});

/** One scriptlet body, with the storage and tscare-ctl paths of the private root. */
function scriptlet(tag: 'POSTIN' | 'PREUN', root: string): string {
  const body = ok(run('rpm', ['-qp', '--qf', `%{${tag}}`, rpmFile], dir), `rpm --qf %{${tag}}`);
  return body.replaceAll('/var/lib/tscare', join(root, 'var/lib/tscare')).replaceAll('/usr/bin/tscare-ctl', TSCARE_CTL);
}

test('installed into a private root: %post patches a running foo, %preun 1 keeps it, %preun 0 takes it out', () => {
  const root = join(dir, 'root');
  mkdirSync(root);
  const rpmRoot = ['--root', root, '--dbpath', join(root, 'rpmdb')];
  ok(run('rpm', [...rpmRoot, '-i', '--nodeps', '--noscripts', rpmFile], dir), 'rpm -i --root');
  const store = join(root, 'var/lib/tscare', buildId);
  expect(readlinkSync(join(store, 'latest'))).toBe('2');
  expect(readFileSync(join(store, '2/description'), 'utf8')).toBe(EXPECTED_DESCRIPTION);
  writeFileSync(join(dir, 'post.sh'), scriptlet('POSTIN', root));
  writeFileSync(join(dir, 'preun.sh'), scriptlet('PREUN', root));
  // Inside the namespace: start foo, run each scriptlet, record what foo prints after it.
  const driver = [
    'out=foo.out; ./lpmake/foo 50 >> $out & pid=$!',
    'settle() { sleep 0.4; : > $out; sleep 0.4; echo "== $1"; sort -u $out; }',
    'settle start',
    'sh post.sh 1 > post.log 2>&1; echo "post exit $?"; settle post',
    'sh preun.sh 1 > preun1.log 2>&1; echo "preun 1 exit $?"; settle "preun 1"',
    'sh preun.sh 0 > preun0.log 2>&1; echo "preun 0 exit $?"; settle "preun 0"',
    'kill $pid',
  ].join('\n');
  const r = ok(run('unshare', ['--pid', '--fork', '--mount-proc', 'sh', '-c', driver], dir), 'the scriptlets in a PID namespace');
  const logs = (n: string) => readFileSync(join(dir, n), 'utf8');
  expect(r).toBe([
    '== start', 'Hello world!',
    'post exit 0', '== post', 'Hello world being patched!',
    'preun 1 exit 0', '== preun 1', 'Hello world being patched!',
    'preun 0 exit 0', '== preun 0', 'Hello world!', '',
  ].join('\n'));
  expect(logs('post.log')).toMatch(/1 patch hunk\(s\) have been successfully applied to PID '\d+'/);
  expect(logs('preun1.log')).toBe('');
  expect(logs('preun0.log')).toMatch(/1 patch hunk\(s\) were successfully cancelled from PID '\d+'/);
  ok(run('rpm', [...rpmRoot, '-e', '--noscripts', NAME], dir), 'rpm -e --root');
  expect(existsSync(store)).toBe(false);
});

test('%post with no matching process and with tscare-ctl missing: a warning at most, exit 0', () => {
  const root = join(dir, 'empty-root');
  mkdirSync(join(root, 'var/lib/tscare'), { recursive: true });
  writeFileSync(join(dir, 'post-none.sh'), scriptlet('POSTIN', root));
  const none = run('unshare', ['--pid', '--fork', '--mount-proc', 'sh', 'post-none.sh', '1'], dir);
  expect(none.status).toBe(0);
  expect(none.stderr).toBe('');
  writeFileSync(join(dir, 'post-noctl.sh'), scriptlet('POSTIN', root).replaceAll(TSCARE_CTL, join(dir, 'no-such-ctl')));
  const missing = run('sh', ['post-noctl.sh', '1'], dir);
  expect(missing.status).toBe(0);
  expect(missing.stderr).toBe(`tscare: warning: ${join(dir, 'no-such-ctl')} is missing; the patch is stored in ${join(root, 'var/lib/tscare')} but not applied\n`);
});

test('a patchroot whose file was renamed, and an empty one, are refused (exit 1)', () => {
  const moved = join(dir, 'moved');
  mkdirSync(moved);
  cpSync(join(dir, 'patchroot', `${buildId}.kpatch`), join(moved, `${'0'.repeat(40)}.kpatch`));
  const renamed = run(TSCARE_RPM, ['--target', 'hello', '--target-evr', '1.0-1', '--patchroot', moved, '-o', join(dir, 'x.spec')], dir);
  expect(renamed.status).toBe(1);
  expect(renamed.stderr).toContain(`tscare-rpm: error RPM_BAD_INPUT: ${join(moved, '0'.repeat(40))}.kpatch: its header is for build id ${buildId}, its name says ${'0'.repeat(40)}`);
  rmSync(join(moved, `${'0'.repeat(40)}.kpatch`));
  const empty = run(TSCARE_RPM, ['--target', 'hello', '--target-evr', '1.0-1', '--patchroot', moved], dir);
  expect(empty.status).toBe(1);
  expect(empty.stderr).toContain(`tscare-rpm: error RPM_BAD_INPUT: no .kpatch file in ${moved}`);
  expect(existsSync(join(dir, 'x.spec'))).toBe(false);
});
