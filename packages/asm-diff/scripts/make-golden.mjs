#!/usr/bin/env node
/**
 * Freezes fixtures/cases/<case> into fixtures/golden/<case>: orig.s and patched.s compiled
 * now with the system gcc (first line: compiler version and flags), and the merged.s the
 * differ produces from them — or error.json for a refused case. Run by hand after reviewing
 * the output; the tests never regenerate goldens. Existing goldens are left alone unless
 * --force is given.
 *
 * Usage: node packages/asm-diff/scripts/make-golden.mjs CASE... [--force]   (after npm run build)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateMergedAssembly } from '../dist/index.js';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const force = process.argv.includes('--force');
const names = process.argv.slice(2).filter((a) => a !== '--force');
const gcc = execFileSync('gcc', ['--version'], { encoding: 'utf8' }).split('\n')[0];

function compile(dir, src, flags) {
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(src, path.join(dir, 'case.c'));
  const text = execFileSync('gcc', [...flags, '-S', 'case.c', '-o', '-'], { cwd: dir, encoding: 'utf8' });
  return `# ${gcc}, gcc ${flags.join(' ')} -S\n${text}`;
}

for (const name of names) {
  const from = path.join(pkg, 'fixtures', 'cases', name);
  const to = path.join(pkg, 'fixtures', 'golden', name);
  if (fs.existsSync(to) && !force) {
    console.error(`${to} exists (use --force to replace it)`);
    continue;
  }
  const flags = fs.readFileSync(path.join(from, 'flags'), 'utf8').trim().split(/\s+/);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'golden-'));
  try {
    const orig = compile(path.join(work, 'orig'), path.join(from, 'orig.c'), flags);
    const patched = compile(path.join(work, 'patched'), path.join(from, 'patched.c'), flags);
    fs.mkdirSync(to, { recursive: true });
    fs.writeFileSync(path.join(to, 'orig.s'), orig);
    fs.writeFileSync(path.join(to, 'patched.s'), patched);
    try {
      const r = generateMergedAssembly(orig, patched, { originalName: 'orig.s', patchedName: 'patched.s' });
      // An unchanged result is the original itself: a marker instead of a second copy of it.
      if (r.kind === 'unchanged') fs.writeFileSync(path.join(to, 'unchanged'), 'generateMergedAssembly returns orig.s unchanged\n');
      else fs.writeFileSync(path.join(to, 'merged.s'), r.text);
      console.log(`${name}: ${r.kind}, changed ${r.report.changed.join(' ') || '-'}`);
    } catch (e) {
      fs.writeFileSync(path.join(to, 'error.json'), JSON.stringify({ code: e.code, message: e.message }, null, 2) + '\n');
      console.log(`${name}: refused ${e.code}`);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
