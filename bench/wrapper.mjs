#!/usr/bin/env node
/**
 * Wrapper overhead (issue 6): whole-build wall time through bin/tscare-cc in the original
 * stage against plain gcc with the same flags, median of --runs builds, for
 *   - SQLite's autoconf tarball (few large files; target ratio <= 1.15), `make -j2`;
 *   - LMDB + LZ4 from the `lmdb` npm package (23 C files, 13 linked programs) through
 *     a generated Makefile (target ratio <= 1.3), `make -j2`;
 *   - one call on a tiny file (the per-call overhead).
 * Every wrapper figure is taken with NODE_EXTRA_CA_CERTS in the caller's environment as it is
 * set here and with it unset (bin/tscare-cc is a sh shim that starts Node without it, so the
 * two should now agree). The tiny file is also compiled through cc-wrapper/dist/cli.js run
 * directly (no shim, not bundled), which is how tscare-patch-make started the wrapper.
 * The machine is shared: each figure carries its minimum next to the median, and each
 * project the load average before it ran. Prints a markdown table and merges the key
 * `wrapper` into bench/results.json.
 *
 * Usage: node bench/wrapper.mjs [--runs 3] [--tiny-runs 15] [--only all|sqlite|lmdb|tiny]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
	BIN, cachedPackage, caVariants, extractSqlite, markdownTable, median, parseOptions, round, run,
	saveResults, timeMs, withScratch,
} from './support.mjs';

const WRAPPER = path.join(BIN, 'tscare-cc');
const UNBUNDLED = path.join(BIN, '..', 'cc-wrapper', 'dist', 'cli.js');
const TARGETS = { sqlite: 1.15, lmdb: 1.3 };
const LMDB_DIRS = ['package/dependencies/lmdb/libraries/liblmdb', 'package/dependencies/lz4/lib'];
// midl-sparse.c is an alternative to midl.c (same symbols); mtest6.c needs an MDB_DEBUG build.
const LMDB_SKIP = new Set(['midl-sparse.c', 'mtest6.c']);

/** The compilers compared: plain gcc, and the wrapper with and without the extra CA file. */
function compilers() {
	const wrapped = caVariants({ ...process.env, TSCARE_STAGE: 'original' });
	return [
		{ name: 'gcc', cc: 'gcc', env: { ...process.env } },
		...wrapped.map((v) => ({ name: `tscare-cc (${v.ca} NODE_EXTRA_CA_CERTS)`, cc: WRAPPER, env: v.env, ca: v.ca })),
	];
}

/** Times `make clean; make -j2` in TREE for each compiler, interleaved so load drifts hit all. */
function timeBuilds(treeFor, runs) {
	const list = compilers();
	const times = list.map(() => []);
	for (let r = 0; r < runs; r++) {
		list.forEach((c, i) => {
			const tree = treeFor(c);
			run('make', ['clean', `CC=${c.cc}`], { cwd: tree });
			removeWrapperFiles(tree);
			times[i].push(timeMs('make', ['-j2', `CC=${c.cc}`], { cwd: tree, env: c.env }));
			if (c.cc === WRAPPER) assertOriginalStageRan(tree);
		});
	}
	const gcc = median(times[0]);
	const gccMin = Math.min(...times[0]);
	return list.map((c, i) => ({
		compiler: c.name, runs_ms: times[i].map((t) => round(t, 0)), median_ms: round(median(times[i]), 0), ratio: round(median(times[i]) / gcc, 3),
		min_ms: round(Math.min(...times[i]), 0), min_ratio: round(Math.min(...times[i]) / gccMin, 3),
	}));
}

/** The original stage leaves `.kpatch_<obj>.original.s` beside each object: proof it ran. */
function assertOriginalStageRan(tree) {
	if (!wrapperFiles(tree).some((f) => f.endsWith('.original.s'))) {
		throw new Error(`bench: the wrapped build in ${tree} left no .kpatch_*.original.s: tscare-cc did not run its original stage`);
	}
}

function wrapperFiles(tree) {
	return fs.readdirSync(tree).filter((f) => f.startsWith('.kpatch_'));
}

function removeWrapperFiles(tree) {
	for (const f of wrapperFiles(tree)) fs.rmSync(path.join(tree, f), { recursive: true, force: true });
}

/** Two SQLite trees, each configured once with its own CC (the wrapper passes configure through). */
function benchSqlite(dir, runs) {
	const trees = {};
	for (const [key, cc] of [['gcc', 'gcc'], ['wrapper', WRAPPER]]) {
		fs.mkdirSync(path.join(dir, key));
		const tree = extractSqlite(path.join(dir, key));
		const env = { ...process.env };
		delete env.TSCARE_STAGE;
		run('./configure', [`CC=${cc}`], { cwd: tree, env });
		trees[key] = tree;
	}
	return timeBuilds((c) => (c.cc === WRAPPER ? trees.wrapper : trees.gcc), runs);
}

/** LMDB's and LZ4's C files copied flat, with a Makefile: a static library and 14 programs. */
function lmdbTree(dir) {
	const tarball = cachedPackage('lmdb@3.5.6', 'lmdb-3.5.6.tgz');
	run('tar', ['xzf', tarball, '-C', dir, '--no-same-owner', ...LMDB_DIRS]);
	const tree = path.join(dir, 'tree');
	fs.mkdirSync(tree);
	for (const sub of LMDB_DIRS) {
		for (const f of fs.readdirSync(path.join(dir, sub))) {
			if (/\.[ch]$/.test(f) && !LMDB_SKIP.has(f)) fs.copyFileSync(path.join(dir, sub, f), path.join(tree, f));
		}
	}
	const sources = fs.readdirSync(tree).filter((f) => f.endsWith('.c')).sort();
	const programs = sources.filter((f) => /\bmain\s*\(/.test(fs.readFileSync(path.join(tree, f), 'utf8'))).map((f) => f.slice(0, -2));
	const libObjects = sources.map((f) => f.slice(0, -2)).filter((f) => !programs.includes(f)).map((f) => `${f}.o`);
	fs.writeFileSync(path.join(tree, 'Makefile'), [
		'.SUFFIXES:', 'CC = gcc', 'CFLAGS = -O2 -g', `PROGRAMS = ${programs.join(' ')}`, `LIBOBJS = ${libObjects.join(' ')}`, '',
		'all: liblmdb.a $(PROGRAMS)', 'liblmdb.a: $(LIBOBJS)', '\tar rcs $@ $(LIBOBJS)',
		'%.o: %.c', '\t$(CC) $(CFLAGS) -c $< -o $@',
		'$(PROGRAMS): %: %.o liblmdb.a', '\t$(CC) $(CFLAGS) -o $@ $< liblmdb.a -lpthread',
		'clean:', '\trm -f *.o liblmdb.a $(PROGRAMS)', '.PHONY: all clean', '',
	].join('\n'));
	return { tree, files: sources.length, programs: programs.length };
}

function benchLmdb(dir, runs) {
	const { tree, files, programs } = lmdbTree(dir);
	console.error(`lmdb: ${files} C files, ${programs} programs`);
	return timeBuilds(() => tree, runs);
}

/** One compile of a one-function file, gcc against the wrapper: the per-call cost. */
function benchTiny(dir, runs) {
	fs.writeFileSync(path.join(dir, 'tiny.c'), 'int tiny(int x) { return x + 1; }\n');
	const direct = { ...process.env, TSCARE_STAGE: 'original' };
	const list = [...compilers(), { name: 'cc-wrapper/dist/cli.js run directly (with NODE_EXTRA_CA_CERTS)', cc: UNBUNDLED, env: direct }];
	const times = list.map(() => []);
	for (let r = 0; r < runs; r++) {
		list.forEach((c, i) => times[i].push(timeMs(c.cc, ['-O2', '-g', '-c', 'tiny.c', '-o', 'tiny.o'], { cwd: dir, env: c.env })));
	}
	assertOriginalStageRan(dir);
	const gcc = median(times[0]);
	const gccMin = Math.min(...times[0]);
	return list.map((c, i) => ({
		compiler: c.name, median_ms: round(median(times[i]), 1), overhead_ms: round(median(times[i]) - gcc, 1), ratio: round(median(times[i]) / gcc, 2),
		min_ms: round(Math.min(...times[i]), 1), min_overhead_ms: round(Math.min(...times[i]) - gccMin, 1),
	}));
}

function table(results) {
	const rows = [];
	for (const [project, list] of Object.entries(results)) {
		for (const r of list) {
			const target = TARGETS[project] === undefined || r.compiler === 'gcc' ? '-' : `<= ${TARGETS[project]} ${r.ratio <= TARGETS[project] ? 'met' : 'MISSED'}`;
			const detail = r.runs_ms ? `${r.runs_ms.join(', ')} (min ratio ${r.min_ratio})` : `overhead ${r.overhead_ms} ms (min ${r.min_ms}, overhead ${r.min_overhead_ms})`;
			rows.push([project, r.compiler, r.median_ms, r.ratio, detail, target]);
		}
	}
	return markdownTable(['project', 'compiler', 'median wall (ms)', 'ratio to gcc', 'runs (ms)', 'target'], rows);
}

const opt = parseOptions(process.argv.slice(2), { runs: 3, 'tiny-runs': 15, only: 'all' });
const results = {};
const loadavg = {};
const want = (name) => opt.only === 'all' || opt.only === name;
const measure = (name, fn) => {
	if (!want(name)) return;
	loadavg[name] = os.loadavg().map((l) => round(l, 2));
	results[name] = withScratch(`tscare-bench-${name}-`, fn);
};
measure('tiny', (d) => benchTiny(d, opt['tiny-runs']));
measure('lmdb', (d) => benchLmdb(d, opt.runs));
measure('sqlite', (d) => benchSqlite(d, opt.runs));
console.log(table(results));
console.log(`load average (1, 5, 15 min) before each project: ${Object.entries(loadavg).map(([k, v]) => `${k} ${v.join(' ')}`).join('; ')}`);
saveResults('wrapper', { runs: opt.runs, tiny_runs: opt['tiny-runs'], loadavg_before: loadavg, ...results });
