/**
 * Test support for the corpus tests: the project's C files, the gcc flag matrix, and one
 * gcc call per flag set (one driver run for many files keeps the matrix fast).
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAssembly, printAssembly, type AsmFile } from 'gnu-as-parser';
import { generateMergedAssembly } from '../generate.js';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

const OPT_LEVELS = ['-O0', '-O2', '-O3', '-Os'] as const;

/**
 * Per -O level, four sets in which each option of the issue (`-g`, `-fPIC`, `-fPIE`,
 * `-fno-pic`, `-ffunction-sections -fdata-sections`, `-fcommon`) is both on and off; the
 * three pic modes exclude each other. The full cross product (256 sets) would take minutes.
 */
const VARIANTS: readonly (readonly string[])[] = [
  [],
  ['-g', '-fPIC', '-ffunction-sections', '-fdata-sections', '-fcommon'],
  ['-fno-pic', '-fcommon'],
  ['-fPIE', '-g'],
];

export function flagMatrix(): string[][] {
  return OPT_LEVELS.flatMap((o) => VARIANTS.map((v) => [o, ...v]));
}

function walk(dir: string, out: string[]): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
}

/** `examples/*\/*.c`, `test/cases/**\/*.c`, `packages/*\/fixtures/**\/*.c`, one per distinct content. */
export function corpusSources(): { path: string; rel: string }[] {
  const found: string[] = [];
  for (const ex of readdirSync(join(repoRoot, 'examples'))) {
    const d = join(repoRoot, 'examples', ex);
    if (statSync(d).isDirectory()) found.push(...readdirSync(d).map((n) => join(d, n)));
  }
  walk(join(repoRoot, 'test', 'cases'), found);
  for (const pkg of readdirSync(join(repoRoot, 'packages'))) walk(join(repoRoot, 'packages', pkg, 'fixtures'), found);
  const seen = new Set<string>();
  const out: { path: string; rel: string }[] = [];
  for (const path of found.filter((p) => p.endsWith('.c')).sort()) {
    const hash = createHash('sha1').update(readFileSync(path)).digest('hex');
    if (seen.has(hash)) continue;
    seen.add(hash);
    out.push({ path, rel: relative(repoRoot, path) });
  }
  return out;
}

/**
 * `gcc FLAGS -S` of every source in one driver run, in `dir` (as `u<i>.c`, so that equal
 * base names do not collide; `-I` keeps each file's own headers reachable). Returns the
 * assembly per source, in order.
 */
export function compileAll(dir: string, sources: readonly { path: string }[], flags: readonly string[], compiler = 'gcc'): string[] {
  const ext = compiler === 'g++' ? 'cpp' : 'c';
  const names = sources.map((s, i) => {
    copyFileSync(s.path, join(dir, `u${i}.${ext}`));
    return `u${i}.${ext}`;
  });
  const includes = [...new Set(sources.map((s) => dirname(s.path)))].map((d) => `-I${d}`);
  execFileSync(compiler, [...flags, ...includes, '-S', ...names], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  return names.map((n) => readFileSync(join(dir, n.replace(/\.\w+$/, '.s')), 'utf8'));
}

/**
 * Every character of every line is accounted for by the parse: each statement's text is at its
 * line and column, and what no statement covers is only blanks, `;` and label colons.
 */
function coverageProblems(file: AsmFile, name: string): string[] {
  const problems: string[] = [];
  for (const line of file.lines) {
    let rest = line.raw.replace(/\r$/, '');
    for (let k = line.firstStatement; k < line.firstStatement + line.statementCount; k++) {
      const s = file.statements[k];
      if (s.line !== line.number) problems.push(`${name}:${line.number}: statement ${k} claims line ${s.line}`);
      if (s.kind === 'blank') continue;
      if (!rest.startsWith(s.text, s.col - 1)) problems.push(`${name}:${line.number}:${s.col}: '${s.text}' is not at its column`);
      rest = rest.slice(0, s.col - 1) + ' '.repeat(s.text.length) + rest.slice(s.col - 1 + s.text.length);
    }
    if (!/^[\s;]*$/.test(rest)) problems.push(`${name}:${line.number}: text no statement accounts for: '${rest.trim()}'`);
    if (problems.length > 5) break;
  }
  return problems;
}

/** Problems found in one assembly file (empty when the round trip and the identity property hold). */
export function corpusProblems(text: string, name: string): string[] {
  const problems: string[] = [];
  const file = parseAssembly(text, name);
  if (printAssembly(file) !== text) problems.push(`${name}: print(parse(s)) differs from s`);
  problems.push(...coverageProblems(file, name));
  const r = generateMergedAssembly(text, text, { originalName: name, patchedName: name });
  if (r.kind !== 'unchanged') problems.push(`${name}: diffed against itself gives '${r.kind}' (changed: ${r.report.changed.join(' ')}; new: ${r.report.added.join(' ')})`);
  else if (r.text !== text) problems.push(`${name}: identity result is not the input text`);
  return problems;
}

