#!/usr/bin/env node
/**
 * tscare-patch-make on SQLite's autoconf tree with a one-function fix (issue 6): a full run
 * (`--clean`: original build, patched build, .kpatch) and a run that reuses the original
 * build of the run before it (no `--clean`), each as a ratio of one plain `make -j2`.
 * Each run is timed with NODE_EXTRA_CA_CERTS as the environment sets it and with it unset
 * (every tscare-cc call is a Node start). Prints a markdown table and merges the key
 * `patch_make` into bench/results.json.
 *
 * Usage: node bench/patch-make.mjs [--plain-runs 1]
 */
import fs from 'node:fs';
import path from 'node:path';
import {
	BIN, ROOT, caVariants, extractSqlite, markdownTable, median, parseOptions, round, run, saveResults,
	timeMs, withScratch,
} from './support.mjs';

const PATCH_MAKE = path.join(BIN, 'tscare-patch-make');
const FIX = path.join(ROOT, 'test/cases/_sqlite-autoconf/fix-abs-overflow.patch');
const PATCH_ARGS = ['-q', '-j2', '-i', '0001', FIX];

/** One plain build of the configured tree: `make clean; make -j2` with gcc. */
function plainBuild(tree, runs) {
	const times = [];
	for (let r = 0; r < runs; r++) {
		run('make', ['clean'], { cwd: tree });
		times.push(timeMs('make', ['-j2'], { cwd: tree }));
	}
	run('make', ['clean'], { cwd: tree });
	return median(times);
}

/**
 * A run must leave a .kpatch for each binary holding absFunc (libsqlite3.so and the shell,
 * which links sqlite3.c statically in the default configuration), or it measured nothing.
 */
function assertKpatches(tree) {
	const kpatches = fs.readdirSync(path.join(tree, 'patchroot')).filter((f) => f.endsWith('.kpatch'));
	if (kpatches.length !== 2) throw new Error(`bench: expected two .kpatch files in ${tree}/patchroot, found ${kpatches.join(', ') || 'none'}`);
}

function patchMakeRuns(tree, env) {
	const full = timeMs(PATCH_MAKE, ['--clean', ...PATCH_ARGS], { cwd: tree, env });
	assertKpatches(tree);
	const reused = timeMs(PATCH_MAKE, PATCH_ARGS, { cwd: tree, env });
	assertKpatches(tree);
	return { full, reused };
}

function measure(dir, plainRuns) {
	const tree = extractSqlite(dir);
	const env = { ...process.env };
	for (const k of ['TSCARE_STAGE', 'KPATCH_STAGE']) delete env[k];
	run('./configure', ['CC=gcc'], { cwd: tree, env });
	const plain = plainBuild(tree, plainRuns);
	const rows = [];
	for (const v of caVariants(env)) {
		const t = patchMakeRuns(tree, v.env);
		rows.push({ run: 'full (--clean)', ca: v.ca, ms: round(t.full, 0), ratio: round(t.full / plain, 2) });
		rows.push({ run: 'original build reused', ca: v.ca, ms: round(t.reused, 0), ratio: round(t.reused / plain, 2) });
	}
	return { plain_make_ms: round(plain, 0), plain_runs: plainRuns, runs: rows };
}

function table(result) {
	const rows = [['plain make -j2 (gcc)', '-', result.plain_make_ms, 1]];
	for (const r of result.runs) rows.push([`tscare-patch-make ${r.run}`, r.ca, r.ms, r.ratio]);
	return markdownTable(['run', 'NODE_EXTRA_CA_CERTS', 'wall (ms)', 'ratio to plain make'], rows);
}

const opt = parseOptions(process.argv.slice(2), { 'plain-runs': 1 });
const result = withScratch('tscare-bench-patch-make-', (dir) => measure(dir, opt['plain-runs']));
console.log(table(result));
saveResults('patch_make', result);
