/**
 * Helpers shared by bench/wrapper.mjs, bench/patch-make.mjs and bench/call-cost.mjs: the
 * source cache under $TMPDIR/tscare-cache, timed child processes, the environment without
 * NODE_EXTRA_CA_CERTS, and the read-modify-write of bench/results.json.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = path.join(ROOT, 'bin');
const RESULTS = path.join(ROOT, 'bench/results.json');
const SQLITE_PACKAGE = 'sqlite3@6.0.1';
const SQLITE_TARBALL = 'package/deps/sqlite-autoconf-3520000.tar.gz';

export function cacheDir() {
	const dir = path.join(os.tmpdir(), 'tscare-cache');
	fs.mkdirSync(dir, { recursive: true });
	return dir;
}

/** `npm pack SPEC` into the cache once; returns the tarball's path. */
export function cachedPackage(spec, fileName) {
	const file = path.join(cacheDir(), fileName);
	if (fs.existsSync(file)) return file;
	run('npm', ['pack', spec, '--pack-destination', cacheDir()], { stdio: 'pipe' });
	if (!fs.existsSync(file)) throw new Error(`bench: npm pack ${spec} did not write ${file}`);
	return file;
}

/** Extracts SQLite's autoconf tree into DIR and returns the tree's path. */
export function extractSqlite(dir) {
	const npmTarball = cachedPackage(SQLITE_PACKAGE, 'sqlite3-6.0.1.tgz');
	run('tar', ['xzf', npmTarball, '-C', dir, SQLITE_TARBALL]);
	// As root, tar would keep the tarball's owner and modes: --no-same-owner keeps them ours.
	run('tar', ['xzf', path.join(dir, SQLITE_TARBALL), '-C', dir, '--no-same-owner', '--no-same-permissions']);
	return path.join(dir, 'sqlite-autoconf-3520000');
}

/** The environment with NODE_EXTRA_CA_CERTS removed (the "without" figures). */
export function envWithoutExtraCa(env) {
	const copy = { ...env };
	delete copy.NODE_EXTRA_CA_CERTS;
	return copy;
}

/** The two environments every wall-time figure is reported for. */
export function caVariants(env) {
	return [
		{ ca: 'with', env },
		{ ca: 'without', env: envWithoutExtraCa(env) },
	];
}

/** Runs a command to completion; throws with its output when it fails. */
export function run(cmd, args, opts = {}) {
	const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: 'pipe', ...opts });
	if (r.error) throw r.error;
	if (r.status !== 0) {
		throw new Error(`bench: ${cmd} ${args.join(' ')} failed (status ${r.status}, signal ${r.signal})\n${r.stdout ?? ''}${r.stderr ?? ''}`);
	}
	return r;
}

/** Wall time of one command in milliseconds. */
export function timeMs(cmd, args, opts = {}) {
	const start = process.hrtime.bigint();
	run(cmd, args, opts);
	return Number(process.hrtime.bigint() - start) / 1e6;
}

export function median(values) {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function round(value, digits) {
	const f = 10 ** digits;
	return Math.round(value * f) / f;
}

export function markdownTable(head, rows) {
	const line = (cells) => `| ${cells.join(' | ')} |`;
	return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Merges KEY into bench/results.json; the other benchmarks' keys stay as they are. */
export function saveResults(key, results) {
	const all = fs.existsSync(RESULTS) ? JSON.parse(fs.readFileSync(RESULTS, 'utf8')) : {};
	all[key] = { date: new Date().toISOString(), host: { cpus: os.cpus().length, node: process.version, loadavg_at_end: os.loadavg().map((l) => Math.round(l * 100) / 100) }, results };
	fs.writeFileSync(RESULTS, `${JSON.stringify(all, null, 2)}\n`);
}

/** Parses `--name value` options against DEFAULTS (numbers stay numbers). */
export function parseOptions(argv, defaults) {
	const opt = { ...defaults };
	for (let i = 0; i < argv.length; i += 2) {
		const name = argv[i].replace(/^--/, '');
		if (!(name in defaults) || argv[i + 1] === undefined) throw new Error(`bench: unknown option ${argv[i]}`);
		opt[name] = typeof defaults[name] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
	}
	return opt;
}

/** A scratch directory under os.tmpdir(), removed after FN (also when it throws). */
export function withScratch(prefix, fn) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
	try {
		return fn(dir);
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
}
