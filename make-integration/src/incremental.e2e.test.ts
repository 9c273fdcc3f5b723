/**
 * Incremental patched builds on a generated project of 21 small C files (real make, gcc,
 * tscare-cc): the patched stage recompiles only what the patch touches, and the builds
 * after a run (another run, a plain make) rebuild the restored file and nothing else.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'make-integration/dist/cli.js');
const COUNT = 20;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tscare-inc-'));
  const names = Array.from({ length: COUNT }, (_, i) => `f${String(i).padStart(2, '0')}`);
  for (const [i, n] of names.entries()) writeFileSync(join(dir, `${n}.c`), `int ${n}(int x)\n{\n\tfor (int k = 0; k < 3; k++)\n\t\tx = x * 3 + ${i};\n\treturn x;\n}\n`);
  writeFileSync(join(dir, 'main.c'), [
    '#include <stdio.h>', ...names.map((n) => `int ${n}(int);`), 'int main(void)', '{', '\tint s = 0;',
    ...names.map((n) => `\ts = ${n}(s);`), '\tprintf("%d\\n", s);', '\treturn 0;', '}', '',
  ].join('\n'));
  writeFileSync(join(dir, 'Makefile'), [
    'OBJS := $(patsubst %.c,%.o,$(sort $(wildcard *.c)))', 'all: prog', 'prog: $(OBJS)', '\t$(CC) -o $@ $^',
    '%.o: %.c', '\t$(CC) -O2 -g -c $< -o $@', 'install: prog', '\tinstall -D -m 0755 prog $(DESTDIR)/bin/prog',
    'clean:', '\trm -f prog *.o', '',
  ].join('\n'));
  writeFileSync(join(dir, 'fix.patch'), '--- a/f07.c\n+++ b/f07.c\n@@ -1,6 +1,6 @@\n int f07(int x)\n {\n \tfor (int k = 0; k < 3; k++)\n-\t\tx = x * 3 + 7;\n+\t\tx = x * 5 + 7;\n \treturn x;\n }\n');
});
/** main's result with the original sources, in C's wrapping 32-bit arithmetic. */
function expectedOutput(): number {
  let s = 0;
  for (let i = 0; i < COUNT; i++) for (let k = 0; k < 3; k++) s = (Math.imul(s, 3) + i) | 0;
  return s;
}

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(cmd: string, args: string[]) {
  const env = { ...process.env };
  for (const k of ['TSCARE_STAGE', 'KPATCH_STAGE', 'TSCARE_LOG', 'MAKEFLAGS', 'MAKELEVEL']) delete env[k];
  return spawnSync(cmd, args, { cwd: dir, env, encoding: 'utf8' });
}

/** Sources the wrapper compiled in `stage`, from the log lines appended since `from`. */
function compiled(stage: string, from: number): string[] {
  const text = readFileSync(join(dir, '.lpmaketmp/cc.log'), 'latin1').slice(from);
  return [...text.matchAll(new RegExp(`: ${stage} compile (\\S+) -> `, 'g'))].map((m) => m[1] ?? '').sort();
}

function logLength(): number {
  return readFileSync(join(dir, '.lpmaketmp/cc.log'), 'latin1').length;
}

test('the patched stage compiles only the touched file; later builds recompile only the restored one', () => {
  const first = run(process.execPath, [CLI, '-i', 'inc1', 'fix.patch']);
  expect(first.status).toBe(0);
  expect(compiled('original', 0)).toHaveLength(COUNT + 1);
  expect(compiled('patched', 0)).toEqual(['f07.c']);
  // Not a TTY: one line per step, with the total from make -n.
  expect(first.stderr).toMatch(/^tscare-patch-make: original build: done, 21\/21 files compiled, \d+\.\ds$/m);
  expect(first.stderr).toMatch(/^tscare-patch-make: patched build: done, 1\/1 file compiled, \d+\.\ds$/m);
  expect(first.stderr).toMatch(/^lpmake\/bin\/prog +[0-9a-f]{40} +f07 +- +patchroot\/[0-9a-f]{40}\.kpatch$/m);
  const deployed = readFileSync(join(dir, 'lpmake/bin/prog'));

  // A second run: the restored f07.c is newer than its patched object, so the original
  // stage rebuilds exactly it (and relinks); the result is the first run's binary again.
  const mark = logLength();
  const second = run(process.execPath, [CLI, '-q', '-i', 'inc1', 'fix.patch']);
  expect(second.status).toBe(0);
  expect(compiled('original', mark)).toEqual(['f07.c']);
  expect(compiled('patched', mark)).toEqual(['f07.c']);
  expect(readFileSync(join(dir, 'lpmake/bin/prog')).equals(deployed)).toBe(true);
  expect(second.stdout).toBe(first.stdout);
  // Quiet: the table and nothing else.
  expect(second.stderr).toMatch(/^binary +build-id +changed functions +new functions +patch\nlpmake\/bin\/prog +[0-9a-f]{40} +f07 +- +patchroot\/[0-9a-f]{40}\.kpatch\n$/);

  // A plain make afterwards rebuilds only f07.o, and the program is the original one.
  const plain = run('make', ['CC=gcc']);
  expect(plain.status).toBe(0);
  expect(plain.stdout.split('\n').filter((l) => l.startsWith('gcc -O2'))).toEqual(['gcc -O2 -g -c f07.c -o f07.o']);
  expect(spawnSync(join(dir, 'prog'), { encoding: 'utf8' }).stdout).toBe(`${expectedOutput()}\n`);
  expect(spawnSync('readelf', ['-S', join(dir, 'prog')], { encoding: 'utf8' }).stdout).not.toContain('.kpatch');
});
