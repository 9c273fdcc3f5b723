#!/usr/bin/env node
/**
 * Benchmark of the differ (issue 3): time and peak memory of generateMergedAssembly on the
 * SQLite amalgamation, original vs. patched assembly with one function changed (the
 * concat_ws fix of SQLite 3.50.2, see packages/asm-diff/src/test-support/sqlite.ts), at -O2
 * and -O2 -g, and its growth at 1x, 2x and 4x the input (renamed copies of the file
 * concatenated). Each measurement runs in a fresh node process: time is the in-process time
 * of reading both files and generateMergedAssembly; peak memory is the child's maxRSS.
 * Prints a markdown table and merges the key `differ` into bench/results.json.
 *
 * Usage: node bench/differ.mjs [--runs 3] [--scales 1,2,4]   (after npm run build)
 * The compiled assembly is cached in $TMPDIR/tscare-cache (keyed by gcc version, flags and source).
 */
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = path.join(ROOT, 'bench/results.json');
const DIFF = path.join(ROOT, 'packages/asm-diff/dist/index.js');
const PARSER = path.join(ROOT, 'packages/gnu-as-parser/dist/index.js');
const SQLITE = path.join(ROOT, 'packages/asm-diff/dist/test-support/sqlite.js');
/** LibcarePlus's C kpatch_gensrc on this machine, two SQLite files (issue 3). */
const LIBCAREPLUS_S = { '-O2': 0.47, '-O2 -g': 2.7 };

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

/** Child mode: one timed run; prints JSON {ms, maxrss_kib, changed}. */
async function child(origPath, patchedPath) {
  const { generateMergedAssembly } = await import(DIFF);
  const t0 = performance.now();
  const orig = fs.readFileSync(origPath, 'utf8');
  const patched = fs.readFileSync(patchedPath, 'utf8');
  const r = generateMergedAssembly(orig, patched, { originalName: origPath, patchedName: patchedPath });
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ ms, maxrss_kib: process.resourceUsage().maxRSS, kind: r.kind, changed: r.report.changed.length }));
}

/** Compiled assembly of one stage, cached by gcc version + flags + source. */
function compiled(dir, flags) {
  const src = fs.readFileSync(path.join(dir, 'sqlite3.c'));
  const gcc = execFileSync('gcc', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  const key = createHash('sha1').update(gcc).update(flags.join(' ')).update(src).digest('hex').slice(0, 16);
  const cached = path.join(os.tmpdir(), 'tscare-cache', `bench-sqlite-${key}.s`);
  if (!fs.existsSync(cached)) {
    process.stderr.write(`compiling ${path.basename(dir)}/sqlite3.c with gcc ${flags.join(' ')} ...\n`);
    execFileSync('gcc', [...flags, '-S', 'sqlite3.c', '-o', cached + '.tmp'], { cwd: dir });
    fs.renameSync(cached + '.tmp', cached);
  }
  return cached;
}

/**
 * The name of symbol `n` in copy `k` (copy 0 keeps its names). gcc's naming is kept, since the
 * differ relies on it: `foo.part.0` -> `foo_c1.part.0`, `x.3` -> `x_c1.3`, and local labels
 * keep their prefix and end in digits: `.LC5` -> `.LC100000005`, `.LVL12` -> `.LVL100000012`.
 */
function renamed(n, k) {
  if (k === 0) return n;
  const local = /^(\.L[A-Za-z_]*)(\d+)$/.exec(n);
  if (local) return `${local[1]}${k}${local[2].padStart(7, '0')}`;
  const dot = n.indexOf('.', 1);
  return dot < 0 ? `${n}_c${k}` : `${n.slice(0, dot)}_c${k}${n.slice(dot)}`;
}

/** `times` copies of the file, every symbol it defines renamed per copy. */
async function scaled(file, times, out) {
  if (times === 1) return file;
  const { parseAssembly, mapSymbols } = await import(PARSER);
  const text = fs.readFileSync(file, 'utf8');
  const defined = new Set();
  for (const s of parseAssembly(text, file).statements) {
    if (s.kind === 'label') defined.add(s.name);
    else if (s.kind === 'directive' && /^\.(comm|lcomm|set|equ)$/.test(s.name)) defined.add(s.args[0]);
  }
  const lines = text.split('\n');
  const fd = fs.openSync(out, 'w');
  for (let k = 0; k < times; k++) {
    const body = lines.map((l) => mapSymbols(l, (n) => (defined.has(n) ? renamed(n, k) : n))).join('\n');
    fs.writeSync(fd, body);
  }
  fs.closeSync(fd);
  return out;
}

function run(orig, patched) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', orig, patched], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`benchmark child failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  const runs = Number(option('--runs', '3'));
  const scales = option('--scales', '1,2,4').split(',').map(Number);
  const { sqliteSource, writeFixPair } = await import(SQLITE);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-differ-'));
  const rows = [];
  try {
    const pair = writeFixPair(work, sqliteSource());
    for (const flags of [['-O2'], ['-O2', '-g']]) {
      const orig = compiled(pair.orig, flags);
      const patched = compiled(pair.patched, flags);
      // The 44 MB -g files are only measured at 1x (4x would be 350 MB of input).
      for (const scale of flags.includes('-g') ? [1] : scales) {
        const o = await scaled(orig, scale, path.join(work, `orig-${scale}.s`));
        const p = await scaled(patched, scale, path.join(work, `patched-${scale}.s`));
        const samples = Array.from({ length: runs }, () => run(o, p));
        if (samples.some((s) => s.kind !== 'merged' || s.changed !== scale)) throw new Error(`unexpected result at ${flags.join(' ')} x${scale}: ${JSON.stringify(samples[0])}`);
        rows.push({
          flags: flags.join(' '),
          scale,
          input_mb: Number(((fs.statSync(o).size + fs.statSync(p).size) / 1e6).toFixed(1)),
          changed_functions: scale,
          runs,
          time_s: Number((median(samples.map((s) => s.ms)) / 1000).toFixed(3)),
          peak_rss_mib: Number((Math.max(...samples.map((s) => s.maxrss_kib)) / 1024).toFixed(0)),
          libcareplus_s: scale === 1 ? LIBCAREPLUS_S[flags.join(' ')] : null,
        });
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  report(rows);
}

function report(rows) {
  const head = '| flags | input | both files | changed functions | time (median) | peak RSS | LibcarePlus kpatch_gensrc |';
  const lines = [head, '|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    lines.push(`| ${r.flags} | ${r.scale}x | ${r.input_mb} MB | ${r.changed_functions} | ${r.time_s} s | ${r.peak_rss_mib} MiB | ${r.libcareplus_s === null ? '-' : r.libcareplus_s + ' s'} |`);
  }
  console.log(lines.join('\n'));
  const all = fs.existsSync(RESULTS) ? JSON.parse(fs.readFileSync(RESULTS, 'utf8')) : {};
  all.differ = { date: new Date().toISOString(), host: { cpus: os.cpus().length, node: process.version }, results: rows };
  fs.writeFileSync(RESULTS, JSON.stringify(all, null, 2) + '\n');
}

if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4]);
else await main();
