import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readElfFile } from '@tscare/elf';
import { preemptibleNames } from './preemptible.js';

const SOURCE = `
int exported_var = 1;
__attribute__((visibility("hidden"))) int hidden_var = 2;
static int static_var = 3;
int exported_fn(void) { return exported_var; }
__attribute__((visibility("hidden"))) int hidden_fn(void) { return hidden_var + static_var; }
__attribute__((visibility("protected"))) int protected_fn(void) { return 4; }
int caller(void) { return exported_fn() + hidden_fn() + protected_fn() + exported_var; }
`;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscare-preemptible-'));
  fs.writeFileSync(path.join(dir, 'lib.c'), SOURCE);
  fs.writeFileSync(path.join(dir, 'main.c'), 'int caller(void);\nint main(void) { return caller(); }\n');
  execFileSync('gcc', ['-O2', '-fPIC', '-shared', '-o', 'lib.so', 'lib.c'], { cwd: dir });
  execFileSync('gcc', ['-O2', '-fPIE', '-pie', '-rdynamic', '-o', 'app', 'main.c', 'lib.c'], { cwd: dir });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a shared library: exported default-visibility symbols it reaches through its PLT or GOT', () => {
  const names = preemptibleNames(readElfFile(path.join(dir, 'lib.so')));
  expect(names.has('exported_fn')).toBe(true);
  expect(names.has('exported_var')).toBe(true);
  for (const local of ['hidden_fn', 'hidden_var', 'static_var', 'protected_fn', 'caller']) expect(names.has(local)).toBe(false);
});

test('an executable (PIE, even exporting its symbols) has nothing preemptible: it is first in the lookup scope', () => {
  expect(preemptibleNames(readElfFile(path.join(dir, 'app'))).size).toBe(0);
});
