import { mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planPatches } from './patch-set.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tscare-patchset-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src/a.c'), 'one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const TWO_HUNKS = `--- a/src/a.c
+++ b/src/a.c
@@ -1,3 +1,3 @@
 one
-two
+TWO
 three
@@ -8,3 +8,3 @@
 eight
-nine
+NINE
 ten
`;

function patch(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

test('applies in memory with -p1 and touches nothing on disk', () => {
  const changes = planPatches([patch('p1.patch', TWO_HUNKS)], '.', dir);
  expect(changes).toHaveLength(1);
  expect(changes[0].rel).toBe('src/a.c');
  expect(changes[0].after).toBe('one\nTWO\nthree\nfour\nfive\nsix\nseven\neight\nNINE\nten\n');
  expect(readFileSync(join(dir, 'src/a.c'), 'utf8')).toContain('two');
});

test('several patches to one file apply in order', () => {
  const second = patch('p2.patch', '--- a/src/a.c\n+++ b/src/a.c\n@@ -2,1 +2,1 @@\n-TWO\n+2\n');
  const changes = planPatches([patch('p1.patch', TWO_HUNKS), second], '.', dir);
  expect(changes.map((c) => c.after)).toEqual(['one\n2\nthree\nfour\nfive\nsix\nseven\neight\nNINE\nten\n']);
  expect(changes[0].before).toBe(readFileSync(join(dir, 'src/a.c'), 'latin1'));
});

test('-s DIR: patch paths are relative to DIR', () => {
  const inner = patch('inner.patch', '--- a/a.c\n+++ b/a.c\n@@ -1,1 +1,1 @@\n-one\n+ONE\n');
  expect(planPatches([inner], 'src', dir).map((c) => c.rel)).toEqual(['src/a.c']);
});

test('the failing hunk is named', () => {
  writeFileSync(join(dir, 'src/a.c'), 'one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnein\nten\n');
  expect(() => planPatches([patch('p1.patch', TWO_HUNKS)], '.', dir)).toThrow(/p1\.patch: hunk #2 \(@@ -8,3 \+8,3 @@\) does not apply to src\/a\.c/);
});

test('paths that leave the source directory are refused', () => {
  const evil = patch('evil.patch', '--- a/../outside.c\n+++ b/../outside.c\n@@ -0,0 +1 @@\n+x\n');
  expect(() => planPatches([evil], '.', dir)).toThrow('points outside the source directory');
});

test('a source directory above the working directory (cd build && -s ..): paths relative to the working directory', () => {
  mkdirSync(join(dir, 'build'));
  patch('p1.patch', TWO_HUNKS);
  const changes = planPatches(['../p1.patch'], '..', join(dir, 'build'));
  expect(changes.map((c) => c.rel)).toEqual(['../src/a.c']);
});

test('a symbolic link inside the source directory does not lead out of it', () => {
  const outside = mkdtempSync(join(tmpdir(), 'tscare-outside-'));
  try {
    symlinkSync(outside, join(dir, 'src/link'));
    const evil = patch('evil.patch', '--- /dev/null\n+++ b/src/link/x.c\n@@ -0,0 +1 @@\n+x\n');
    expect(() => planPatches([evil], '.', dir)).toThrow(`points outside the source directory ${dir}`);
  } finally {
    rmSync(outside, { recursive: true, force: true });
  }
});

test('new and deleted files', () => {
  const create = patch('new.patch', '--- /dev/null\n+++ b/src/new/b.c\n@@ -0,0 +1,2 @@\n+int b;\n+int c;\n');
  const remove = patch('del.patch', '--- a/src/a.c\n+++ /dev/null\n@@ -1,10 +0,0 @@\n-one\n-two\n-three\n-four\n-five\n-six\n-seven\n-eight\n-nine\n-ten\n');
  const changes = planPatches([create, remove], '.', dir);
  expect(changes.map((c) => [c.rel, c.before === null, c.after])).toEqual([
    ['src/new/b.c', true, 'int b;\nint c;\n'],
    ['src/a.c', false, null],
  ]);
});
