/**
 * tscare-patch-make end to end on copies of examples/hello: real make, gcc, tscare-cc,
 * differ and kpatch builder. Each test checks that the sources are exactly as before.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'make-integration/dist/cli.js');
/** What a build may add; everything else in the tree must be as it was. */
const BUILD_PRODUCTS = /^(lpmake|patchroot|\.lpmaketmp|foo|foo\.o|bar|\.kpatch_.*)(\/|$)/;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tscare-pm-'));
  cpSync(join(ROOT, 'examples/hello'), dir, { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function treeHash(): string {
  const hash = createHash('sha256');
  const files = readdirSync(dir, { recursive: true }).map(String).filter((f) => !BUILD_PRODUCTS.test(f)).sort();
  for (const f of files) {
    const st = statSync(join(dir, f));
    hash.update(`${f}\0${st.mode}\0`);
    if (st.isFile()) hash.update(readFileSync(join(dir, f)));
  }
  return hash.digest('hex');
}

function patchMake(args: string[]) {
  const env = { ...process.env };
  for (const k of ['TSCARE_STAGE', 'KPATCH_STAGE', 'TSCARE_LOG', 'MAKEFLAGS', 'MAKELEVEL']) delete env[k];
  return spawnSync(process.execPath, [CLI, ...args], { cwd: dir, env, encoding: 'utf8' });
}

function buildId(file: string): string {
  const out = spawnSync('readelf', ['-n', file], { encoding: 'utf8' }).stdout;
  return /Build ID: ([0-9a-f]{40})/.exec(out)?.[1] ?? 'none';
}

test('--clean -i 0001 foo.patch: patchroot/<build id of lpmake/foo>.kpatch, sources untouched', () => {
  const before = treeHash();
  const r = patchMake(['--clean', '-i', '0001', 'foo.patch']);
  expect(r.stderr).not.toContain('error');
  expect(r.status).toBe(0);
  const bid = buildId(join(dir, 'lpmake/foo'));
  expect(bid).toMatch(/^[0-9a-f]{40}$/);
  const kpatch = join(dir, 'patchroot', `${bid}.kpatch`);
  expect(r.stdout).toBe(`patch for ${join(dir, 'lpmake/foo')} is in ${kpatch}\n`);
  expect(r.stderr).toMatch(/^tscare-patch-make: patched build: done, 1\/1 file compiled, \d+\.\ds$/m);
  // The end-of-run table: the changed function comes from tscare-cc's report of foo.o.
  expect(r.stderr).toMatch(new RegExp(`^binary +build-id +changed functions +new functions +patch\nlpmake/foo +${bid} +print_hello +- +patchroot/${bid}\\.kpatch$`, 'm'));
  const bytes = readFileSync(kpatch);
  expect(bytes.subarray(0, 8).toString('latin1')).toBe('KPATCH1\0');
  expect(bytes.subarray(88, 128).toString('latin1')).toBe(bid);
  expect(treeHash()).toBe(before);
  // --update: no build, the patch is made again from the install trees, with the new id.
  const again = patchMake(['-u', '-i', '0002']);
  expect(again.status).toBe(0);
  expect(again.stdout).toBe(r.stdout);
  expect(again.stderr).toMatch(new RegExp(`^lpmake/foo +${bid} +print_hello +- +patchroot/${bid}\\.kpatch$`, 'm'));
  expect(readFileSync(kpatch).subarray(0, 16).toString('latin1')).toBe('KPATCH1\x000002\0\0\0\0');
  // The deployed binary is a plain build: same build id as gcc without the wrapper.
  expect(spawnSync('gcc', ['-O2', '-g', '-o', 'plain', 'foo.c'], { cwd: dir }).status).toBe(0);
  expect(buildId(join(dir, 'plain'))).toBe(bid);
  rmSync(join(dir, 'plain'));
});

test('a patch that does not apply: exit 1, the hunk is named, nothing changed', () => {
  writeFileSync(join(dir, 'bad.patch'), readFileSync(join(dir, 'foo.patch'), 'utf8').replace('-\tprintf("Hello world!\\n");', '-\tprintf("Goodbye!\\n");'));
  const before = treeHash();
  const r = patchMake(['-i', '0001', 'bad.patch']);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('error PATCHMAKE_PATCH_FAILED: bad.patch: hunk #1 (@@ -8,7 +8,7 @@) does not apply to foo.c');
  expect(treeHash()).toBe(before);
  expect(existsSync(join(dir, '.lpmaketmp/backup'))).toBe(false);
});

test('a patched build that fails: exit 1, the log is named, sources restored', () => {
  writeFileSync(join(dir, 'broken.patch'), readFileSync(join(dir, 'foo.patch'), 'utf8').replace('being patched!\\n");', 'being patched!\\n")'));
  const before = treeHash();
  const r = patchMake(['-q', '-i', '0001', 'broken.patch']);
  expect(r.status).toBe(1);
  // Quiet: no progress lines, the error and where the full log is.
  expect(r.stderr).toMatch(/^tscare-patch-make: error PATCHMAKE_MAKE_FAILED: patched build failed/);
  expect(r.stderr).not.toContain('original build: done');
  expect(r.stderr).toContain(`the full log is ${join(dir, '.lpmaketmp/build.log')}`);
  expect(readFileSync(join(dir, '.lpmaketmp/build.log'), 'utf8')).toMatch(/foo\.c:\d+:\d+: error: expected /);
  expect(treeHash()).toBe(before);
});

test('a patch that changes no code reports "no changes"', () => {
  writeFileSync(join(dir, 'comment.patch'), '--- a/foo.c\n+++ b/foo.c\n@@ -1 +1 @@\n-/* The example of LibcarePlus\'s documentation: print a greeting every second.\n+/* The example from LibcarePlus\'s documentation: print a greeting every second.\n');
  const before = treeHash();
  const r = patchMake(['-i', 'c1', 'comment.patch']);
  expect(r.status).toBe(0);
  expect(r.stdout).toBe('');
  expect(r.stderr).toContain('no changes: the patched build has no changed function in any installed binary');
  expect(r.stderr).toContain(`no change in ${join(dir, 'lpmake/foo')}`);
  expect(r.stderr).toMatch(/^lpmake\/foo +[0-9a-f]{40} +- +- +no change$/m);
  expect(existsSync(join(dir, 'patchroot'))).toBe(false);
  expect(treeHash()).toBe(before);
});

test('usage errors exit 64', () => {
  const r = patchMake(['-i', 'toolong12', 'foo.patch']);
  expect(r.status).toBe(64);
  expect(r.stderr).toMatch(/^tscare-patch-make: error PATCHMAKE_USAGE: invalid patch id "toolong12": at most 7 characters/);
});

/** A Makefile whose make step `target` (all or install) of `stage` hangs in a sleep that writes its pid to ./started. */
function hangIn(stage: 'original' | 'patched', target: 'all' | 'install' = 'all'): void {
  const hang = `\t@if [ "$$TSCARE_STAGE" = ${stage} ]; then echo $$$$ > started; exec sleep 60; fi`;
  writeFileSync(join(dir, 'Makefile'), [
    'all: foo', 'foo: foo.c', ...(target === 'all' ? [hang] : []),
    '\t$(CC) -O2 -o $@ $<', 'install: foo', ...(target === 'install' ? [hang] : []), '\tinstall -D -m 0755 foo $(DESTDIR)/foo', '',
  ].join('\n'));
}

/** A Makefile whose patched build hangs. */
function hangInPatchedBuild(): void {
  hangIn('patched');
}

/** Starts tscare-patch-make and waits until the patched make is running; returns the sleeper's pid. */
async function startHanging() {
  const env = { ...process.env };
  delete env.TSCARE_STAGE;
  const child = spawn(process.execPath, [CLI, '-i', '0001', 'foo.patch'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stderr: '' };
  child.stderr.on('data', (d: Buffer) => (output.stderr += d.toString()));
  const started = join(dir, 'started');
  while (!existsSync(started) || readFileSync(started, 'utf8').trim() === '') await new Promise((r) => setTimeout(r, 50));
  const sleeper = Number(readFileSync(started, 'utf8'));
  rmSync(started);
  return { child, output, sleeper, exited: new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c))) };
}

test('a run killed hard is repaired by the next run', async () => {
  hangInPatchedBuild();
  const before = treeHash();
  const { child, sleeper, exited } = await startHanging();
  child.kill('SIGKILL');
  await exited;
  process.kill(sleeper, 'SIGKILL'); // make's group outlives a SIGKILLed parent; stop it for the test
  expect(readFileSync(join(dir, 'foo.c'), 'utf8')).toContain('being patched');
  const next = patchMake(['-u', '-i', '0001']);
  expect(next.stderr).toContain('restored sources left patched by an interrupted run: foo.c');
  expect(treeHash()).toBe(before);
});

test.each([['SIGINT', 130], ['SIGTERM', 143]] as const)('%s during the patched make: make stopped, sources restored', async (sig, code) => {
  hangInPatchedBuild();
  const before = treeHash();
  const { child, output, sleeper, exited } = await startHanging();
  expect(readFileSync(join(dir, 'foo.c'), 'utf8')).toContain('being patched');
  child.kill(sig);
  expect(await exited).toBe(code);
  expect(output.stderr).toContain(`${sig}: stopping make and restoring the sources`);
  expect(output.stderr).toContain('error PATCHMAKE_INTERRUPTED: interrupted during patched build');
  expect(treeHash()).toBe(before);
  expect(() => process.kill(sleeper, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
});

test.each([
  ['original', 'all', 'original build'],
  ['original', 'install', 'original install'],
  ['patched', 'install', 'patched install'],
] as const)('SIGINT during the %s make %s: make stopped, the tree exactly as before', async (stage, target, step) => {
  hangIn(stage, target);
  const before = treeHash();
  const { child, output, sleeper, exited } = await startHanging();
  child.kill('SIGINT');
  expect(await exited).toBe(130);
  expect(output.stderr).toContain(`error PATCHMAKE_INTERRUPTED: interrupted during ${step}`);
  expect(treeHash()).toBe(before);
  expect(() => process.kill(sleeper, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
});

describe('two binaries', () => {
  beforeEach(() => {
    writeFileSync(join(dir, 'bar.c'), readFileSync(join(dir, 'foo.c'), 'utf8'));
    writeFileSync(join(dir, 'Makefile'), [
      'all: foo bar', 'foo: foo.c', '\t$(CC) -O2 -g -o $@ $<', 'bar: bar.c', '\t$(CC) -O2 -g -o $@ $<',
      'install: all', '\tinstall -D -m 0755 foo $(DESTDIR)/bin/foo', '\tinstall -D -m 0755 bar $(DESTDIR)/bin/bar',
      '\tinstall -D -m 0644 foo.c $(DESTDIR)/share/foo.c', '', // not executable: never a patch candidate
    ].join('\n'));
    writeFileSync(join(dir, 'both.patch'), readFileSync(join(dir, 'foo.patch'), 'utf8') + readFileSync(join(dir, 'foo.patch'), 'utf8').replaceAll('foo.c', 'bar.c'));
  });

  test('each changed binary gets its own patch', () => {
    const before = treeHash();
    const r = patchMake(['-i', '2', 'both.patch']);
    expect(r.status).toBe(0);
    const lines = ['bar', 'foo'].map((b) => `patch for ${join(dir, 'lpmake/bin', b)} is in ${join(dir, 'patchroot', buildId(join(dir, 'lpmake/bin', b)))}.kpatch`);
    expect(r.stdout).toBe(`${lines.join('\n')}\n`);
    expect(treeHash()).toBe(before);
  });

  test('-b with two changed binaries: refused instead of one patch overwriting the other', () => {
    const r = patchMake(['-i', '2', '-b', 'ab'.repeat(20), 'both.patch']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(`patch for ${join(dir, 'lpmake/bin/bar')} is in ${join(dir, 'patchroot', 'ab'.repeat(20))}.kpatch\n`);
    expect(r.stderr).toContain(`error PATCHMAKE_DUPLICATE_BUILDID: ${join(dir, 'lpmake/bin/foo')} and ${join(dir, 'lpmake/bin/bar')} both have build id ${'ab'.repeat(20)}`);
  });
});

test("through bin/'s shim, make recipes and the compiler see the user's NODE_EXTRA_CA_CERTS, not the parked copy", () => {
  // Each recipe that links foo notes the environment it got (both stages link foo).
  const makefile = readFileSync(join(dir, 'Makefile'), 'utf8').replace(
    '\t$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^',
    // A function, not a string: '$$' in a replacement string would become '$'.
    (line) => `\techo "ca=$$NODE_EXTRA_CA_CERTS parked=$$TSCARE_SAVED_NODE_EXTRA_CA_CERTS" >> $(CURDIR)/recipe-env.txt\n${line}`,
  );
  writeFileSync(join(dir, 'Makefile'), makefile);
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt' };
  for (const k of ['TSCARE_STAGE', 'KPATCH_STAGE', 'TSCARE_LOG', 'MAKEFLAGS', 'MAKELEVEL', 'TSCARE_SAVED_NODE_EXTRA_CA_CERTS']) delete env[k];
  const r = spawnSync(join(ROOT, 'bin/tscare-patch-make'), ['--clean', '-i', '0001', 'foo.patch'], { cwd: dir, env, encoding: 'utf8' });
  expect(r.stderr).not.toContain('error');
  expect(r.status).toBe(0);
  const lines = readFileSync(join(dir, 'recipe-env.txt'), 'utf8').trim().split('\n');
  expect(lines.length).toBeGreaterThanOrEqual(2);
  for (const line of lines) expect(line).toBe('ca=/etc/ssl/certs/ca-certificates.crt parked=');
});
