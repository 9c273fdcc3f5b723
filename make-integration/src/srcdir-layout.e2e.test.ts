/**
 * The CMake-style layout: sources in a directory, the build in its `build/` subdirectory,
 * `cd build && tscare-patch-make -s .. -i ID ../fix.patch`. Real make, gcc and tscare-cc.
 * Nothing is written outside the source directory and the build directory, and the
 * sources come back exactly, also after an interruption.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'make-integration/dist/cli.js');
const ARGS = ['-s', '..', '-i', 'src1', '../foo.patch'];

let outer: string;
let src: string;
let build: string;
beforeEach(() => {
  outer = mkdtempSync(join(tmpdir(), 'tscare-srcdir-'));
  src = join(outer, 'proj');
  build = join(src, 'build');
  mkdirSync(build, { recursive: true });
  for (const f of ['foo.c', 'foo.patch']) cpSync(join(ROOT, 'examples/hello', f), join(src, f));
  writeMakefile('');
});
afterEach(() => rmSync(outer, { recursive: true, force: true }));

/** build/Makefile compiling ../foo.c; `hook` runs first in the object's recipe. */
function writeMakefile(hook: string): void {
  writeFileSync(join(build, 'Makefile'), [
    'all: foo', 'foo: foo.o', '\t$(CC) -O2 -g -o $@ $^', 'foo.o: ../foo.c', ...(hook === '' ? [] : [`\t${hook}`]),
    '\t$(CC) -O2 -g -c -o $@ $<', 'install: foo', '\tinstall -D -m 0755 foo $(DESTDIR)/foo', '',
  ].join('\n'));
}

/** The source tree without the build directory: names, modes and contents. */
function sourceHash(): string {
  const hash = createHash('sha256');
  for (const f of readdirSync(src, { recursive: true }).map(String).filter((f) => f !== 'build' && !f.startsWith('build/')).sort()) {
    const st = statSync(join(src, f));
    hash.update(`${f}\0${st.mode}\0`);
    if (st.isFile()) hash.update(readFileSync(join(src, f)));
  }
  return hash.digest('hex');
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['TSCARE_STAGE', 'KPATCH_STAGE', 'TSCARE_LOG', 'MAKEFLAGS', 'MAKELEVEL']) delete env[k];
  return env;
}

function patchMake(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: build, env: cleanEnv(), encoding: 'utf8' });
}

test('cd build && tscare-patch-make -s .. ../foo.patch: the patch applies in srcdir, sources restored, nothing written elsewhere', () => {
  const before = sourceHash();
  const r = patchMake(ARGS);
  expect(r.status).toBe(0);
  expect(r.stderr).toContain('applied ../foo.patch: ../foo.c');
  const bid = /Build ID: ([0-9a-f]{40})/.exec(spawnSync('readelf', ['-n', join(build, 'lpmake/foo')], { encoding: 'utf8' }).stdout)?.[1];
  expect(r.stdout).toBe(`patch for ${join(build, 'lpmake/foo')} is in ${join(build, 'patchroot', `${bid}.kpatch`)}\n`);
  expect(r.stderr).toMatch(new RegExp(`^lpmake/foo +${bid} +print_hello +- +patchroot/${bid}\\.kpatch$`, 'm'));
  expect(sourceHash()).toBe(before);
  expect(readdirSync(outer)).toEqual(['proj']);
  expect(readdirSync(src).sort()).toEqual(['build', 'foo.c', 'foo.patch']);
});

test('a patch naming a file outside srcdir is refused before anything is built', () => {
  writeFileSync(join(src, 'evil.patch'), '--- /dev/null\n+++ b/../escape.c\n@@ -0,0 +1 @@\n+int x;\n');
  const r = patchMake(['-s', '..', '-i', 'e', '../evil.patch']);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(`error PATCHMAKE_PATCH_PATH: ../evil.patch: b/../escape.c points outside the source directory ${src}`);
  expect(readdirSync(outer)).toEqual(['proj']);
  expect(existsSync(join(build, 'lpmake'))).toBe(false);
});

/** Starts a run whose patched compile hangs; resolves when it hangs, with the sleeper's pid. */
async function startHanging() {
  writeMakefile('@if [ "$$TSCARE_STAGE" = patched ]; then echo $$$$ > started; exec sleep 60; fi');
  const child = spawn(process.execPath, [CLI, ...ARGS], { cwd: build, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stderr: '' };
  child.stderr.on('data', (d: Buffer) => (output.stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const started = join(build, 'started');
  while (!existsSync(started) || readFileSync(started, 'utf8').trim() === '') await new Promise((r) => setTimeout(r, 50));
  const sleeper = Number(readFileSync(started, 'utf8'));
  rmSync(started);
  return { child, output, sleeper, exited };
}

test('SIGINT during the patched build: make stopped, the sources in srcdir restored', async () => {
  const before = sourceHash();
  const { child, output, sleeper, exited } = await startHanging();
  expect(readFileSync(join(src, 'foo.c'), 'utf8')).toContain('being patched');
  child.kill('SIGINT');
  expect(await exited).toBe(130);
  expect(output.stderr).toContain('error PATCHMAKE_INTERRUPTED: interrupted during patched build');
  expect(sourceHash()).toBe(before);
  expect(() => process.kill(sleeper, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
});

test('a run killed hard: the next run from the build directory restores srcdir', async () => {
  const before = sourceHash();
  const { child, sleeper, exited } = await startHanging();
  child.kill('SIGKILL');
  await exited;
  process.kill(sleeper, 'SIGKILL'); // make's group outlives a SIGKILLed parent; stop it for the test
  expect(readFileSync(join(src, 'foo.c'), 'utf8')).toContain('being patched');
  const next = patchMake(['-u', '-i', 'src1']);
  expect(next.stderr).toContain('restored sources left patched by an interrupted run: ../foo.c');
  expect(sourceHash()).toBe(before);
  expect(readdirSync(outer)).toEqual(['proj']);
});
