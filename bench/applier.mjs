#!/usr/bin/env node
/**
 * Frozen-time benchmark of tscare-ctl (issue 4): how long a target with 1, 10, 100 and 1000
 * threads stays stopped while a patch is applied and removed, the whole command's time, and
 * the tool's peak RSS. A bare C freezer (stop every thread, write 5 bytes, resume) gives the
 * floor on this machine. tscare-ctl runs with -v, which says where the freeze's time went
 * (stopping the threads, the stack check, the writes, resuming them): a second table gives
 * the medians of those phases. Prints markdown tables and merges the key `applier` into
 * bench/results.json.
 *
 * Usage: node bench/applier.mjs [--threads 1,10,100,1000] [--runs 5]   (as root)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CTL = path.join(ROOT, 'packages/applier/dist/cli.js');
const KPATCH = path.join(ROOT, 'bin/tscare-kpatch');
const RESULTS = path.join(ROOT, 'bench/results.json');

/* Every thread loops on work(), which the patch does not touch, and sleeps; the main thread
 * also prints value(), the patched function, so the bench can check the patch took effect. */
const TARGET_C = `
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
__attribute__((noipa)) int value(void) { return 1; }
__attribute__((noipa)) long work(long x) { return x * 3 + 1; }
static void *loop(void *arg) {
	long acc = (long)arg;
	for (;;) {
		for (int i = 0; i < 1000; i++) acc = work(acc);
		usleep(10000);
	}
	return NULL;
}
int main(int argc, char **argv) {
	int n = atoi(argv[1]);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	for (int i = 1; i < n; i++) { pthread_t t; pthread_create(&t, &attr, loop, (void *)(long)i); }
	long acc = 0;
	for (;;) {
		for (int i = 0; i < 1000; i++) acc = work(acc);
		printf("%d\\n", value());
		fflush(stdout);
		usleep(10000);
	}
}
`;

/* The floor: seize + interrupt every thread, wait for the stops, write 5 bytes, detach. */
const FLOOR_C = `
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) {
	int pid = atoi(argv[1]);
	unsigned long addr = strtoul(argv[2], NULL, 16);
	static int tids[100000]; int n = 0;
	char p[64]; snprintf(p, sizeof p, "/proc/%d/task", pid);
	DIR *d = opendir(p); struct dirent *e;
	while ((e = readdir(d))) if (e->d_name[0] != '.') tids[n++] = atoi(e->d_name);
	closedir(d);
	snprintf(p, sizeof p, "/proc/%d/mem", pid);
	int fd = open(p, O_RDWR);
	unsigned char buf[5];
	pread(fd, buf, 5, addr);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < n; i++) { ptrace(PTRACE_SEIZE, tids[i], 0, 0); ptrace(PTRACE_INTERRUPT, tids[i], 0, 0); }
	for (int i = 0; i < n; i++) { int st; waitpid(tids[i], &st, __WALL); }
	pwrite(fd, buf, 5, addr);
	for (int i = 0; i < n; i++) ptrace(PTRACE_DETACH, tids[i], 0, 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%ld\\n", (b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000);
	return 0;
}
`;

function parseOptions(argv) {
	const opt = { threads: [1, 10, 100, 1000], runs: 5 };
	for (let i = 0; i < argv.length; i++) {
		if (argv[i] === '--threads') opt.threads = argv[++i].split(',').map(Number);
		else if (argv[i] === '--runs') opt.runs = Number(argv[++i]);
		else throw new Error(`unknown option ${argv[i]}`);
	}
	return opt;
}

/** The patched value() returns 2: the original assembly with the patch block merged in (gensrc conventions). */
function mergedAssembly(original) {
	const withEnd = original.replace(/^\t\.size\tvalue, \.-value$/m, 'value.Lfe:\n\t.size\tvalue, .-value');
	if (withEnd === original) throw new Error('bench: no ".size value" line in the compiler output');
	return `${withEnd}
	.pushsection .kpatch.text,"ax",@progbits
	.p2align 4
	.type	value.kpatch, @function
value.kpatch:
	.cfi_startproc
	movl	$2, %eax
	ret
	.cfi_endproc
	.size	value.kpatch, .-value.kpatch
value.kpatch_end:
	.popsection
	.pushsection .kpatch.strtab,"a",@progbits
kpatch_strtab1:
	.string "value.kpatch"
	.popsection
	.pushsection .kpatch.info,"a",@progbits
	.quad value
	.quad value.kpatch
	.long value.Lfe - value
	.long value.kpatch_end - value.kpatch
	.quad kpatch_strtab1
	.quad 0
	.long 0
	.byte 0, 0, 0, 0
	.popsection
`;
}

function build(dir) {
	fs.writeFileSync(path.join(dir, 'target.c'), TARGET_C);
	fs.writeFileSync(path.join(dir, 'floor.c'), FLOOR_C);
	execFileSync('gcc', ['-O2', '-S', '-o', path.join(dir, 'target.s'), path.join(dir, 'target.c')]);
	fs.writeFileSync(path.join(dir, 'merged.s'), mergedAssembly(fs.readFileSync(path.join(dir, 'target.s'), 'utf8')));
	execFileSync('gcc', ['-O2', '-o', path.join(dir, 'target'), path.join(dir, 'target.s'), '-lpthread']);
	execFileSync('gcc', ['-O2', '-o', path.join(dir, 'merged'), path.join(dir, 'merged.s'), '-Wl,-q', '-lpthread'], { stdio: 'pipe' });
	execFileSync('gcc', ['-O2', '-o', path.join(dir, 'floor'), path.join(dir, 'floor.c')]);
	const kpatch = path.join(dir, 'value.kpatch');
	execFileSync(KPATCH, ['build', '-i', '0001', '-o', kpatch, path.join(dir, 'target'), path.join(dir, 'merged')], { stdio: 'pipe' });
	return { exe: path.join(dir, 'target'), floor: path.join(dir, 'floor'), kpatch };
}

function sleepMs(ms) {
	Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Starts the target in its own session (not our child: its ptrace stops must not reach us). */
function startTarget(exe, threads, out) {
	const r = spawnSync('sh', ['-c', `setsid '${exe}' ${threads} > '${out}' 2>&1 < /dev/null & echo $!`], { encoding: 'utf8' });
	const pid = Number(r.stdout.trim());
	const deadline = Date.now() + 30000;
	while (fs.readdirSync(`/proc/${pid}/task`).length < threads) {
		if (Date.now() > deadline) throw new Error(`target did not reach ${threads} threads`);
		sleepMs(20);
	}
	return pid;
}

/** Runs tscare-ctl under /usr/bin/time for its peak RSS; returns frozen µs, wall ms, RSS KiB. */
function ctl(args, env) {
	const t0 = process.hrtime.bigint();
	const r = spawnSync('/usr/bin/time', ['-f', 'RSS %M', process.execPath, CTL, ...args], { encoding: 'utf8', env });
	const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
	if (r.status !== 0) throw new Error(`tscare-ctl ${args.join(' ')} failed (${r.status}): ${r.stdout}${r.stderr}`);
	const frozen = /frozen_time is (\d+) microsecond/.exec(r.stdout);
	const rss = /RSS (\d+)/.exec(r.stderr);
	// -v prints where the freeze's time went: stopping, stack check, writes, resuming.
	const ph = /stopping \d+ thread\(s\) (\d+) µs, stack check (\d+) µs, writes (\d+) µs, resuming (\d+) µs/.exec(r.stdout + r.stderr);
	const phases = ph ? ph.slice(1, 5).map(Number) : null;
	return { frozenUs: Number(frozen[1]), wallMs, rssKiB: Number(rss[1]), phases };
}

/** The value below which 90 % of the samples fall (nearest rank). */
function p90(xs) {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.ceil(0.9 * s.length) - 1];
}

function median(xs) {
	const s = [...xs].sort((a, b) => a - b);
	return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function valueAddress(pid, exe) {
	const nm = execFileSync('nm', [exe], { encoding: 'utf8' });
	const sym = Number.parseInt(/^([0-9a-f]+) T value$/m.exec(nm)[1], 16);
	const first = fs.readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').find((l) => l.endsWith(exe));
	return Number.parseInt(first.split('-')[0], 16) + sym;
}

function lastLine(file) {
	const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
	return lines[lines.length - 1];
}

function measure(built, threads, runs, dir) {
	const out = path.join(dir, `out-${threads}`);
	const pid = startTarget(built.exe, threads, out);
	const noCa = { ...process.env };
	delete noCa.NODE_EXTRA_CA_CERTS;
	const rows = { patch: [], unpatch: [], wallPatch: [], wallNoCa: [], rss: [], floor: [], phases: [] };
	try {
		for (let i = 0; i < runs; i++) {
			const env = i % 2 === 0 ? process.env : noCa;
			const p = ctl(['patch', '-v', '-p', String(pid), built.kpatch], env);
			sleepMs(50);
			if (lastLine(out) !== '2') throw new Error(`patched target still prints ${lastLine(out)}`);
			const u = ctl(['unpatch', '-v', '-p', String(pid), '-i', '0001'], env);
			rows.patch.push(p.frozenUs);
			if (p.phases) rows.phases.push(p.phases);
			rows.unpatch.push(u.frozenUs);
			(i % 2 === 0 ? rows.wallPatch : rows.wallNoCa).push(p.wallMs);
			rows.rss.push(p.rssKiB, u.rssKiB);
			const floor = execFileSync(built.floor, [String(pid), valueAddress(pid, built.exe).toString(16)], { encoding: 'utf8' });
			rows.floor.push(Number(floor.trim()));
		}
	} finally {
		process.kill(pid, 'SIGKILL');
	}
	return {
		threads,
		runs,
		patch_frozen_us: median(rows.patch),
		patch_frozen_p90_us: p90(rows.patch),
		patch_frozen_max_us: Math.max(...rows.patch),
		unpatch_frozen_us: median(rows.unpatch),
		floor_frozen_us: median(rows.floor),
		patch_command_ms: Math.round(median(rows.wallPatch)),
		patch_command_ms_without_extra_ca: rows.wallNoCa.length ? Math.round(median(rows.wallNoCa)) : null,
		peak_rss_kib: Math.max(...rows.rss),
		patch_phases_us: rows.phases.length
			? Object.fromEntries(['stopping', 'stack_check', 'writes', 'resuming'].map((k, i) => [k, median(rows.phases.map((ph) => ph[i]))]))
			: null,
	};
}

function table(results) {
	const head = '| threads | patch frozen (µs) | p90 / max | unpatch frozen (µs) | bare floor (µs) | patch command (ms) | without NODE_EXTRA_CA_CERTS (ms) | peak RSS (MiB) |';
	const lines = results.map((r) =>
		`| ${r.threads} | ${r.patch_frozen_us} | ${r.patch_frozen_p90_us} / ${r.patch_frozen_max_us} | ${r.unpatch_frozen_us} | ${r.floor_frozen_us} | ${r.patch_command_ms} | ${r.patch_command_ms_without_extra_ca ?? '-'} | ${(r.peak_rss_kib / 1024).toFixed(1)} |`);
	const phaseHead = '| threads | stopping (µs) | stack check (µs) | writes (µs) | resuming (µs) |';
	const phaseLines = results.filter((r) => r.patch_phases_us).map((r) => {
		const ph = r.patch_phases_us;
		return `| ${r.threads} | ${ph.stopping} | ${ph.stack_check} | ${ph.writes} | ${ph.resuming} |`;
	});
	return [head, '|---:|---:|---:|---:|---:|---:|---:|---:|', ...lines, '', 'Patch freeze by phase (medians):', '', phaseHead, '|---:|---:|---:|---:|---:|', ...phaseLines].join('\n');
}

function saveResults(results) {
	const all = fs.existsSync(RESULTS) ? JSON.parse(fs.readFileSync(RESULTS, 'utf8')) : {};
	all.applier = { date: new Date().toISOString(), host: { cpus: os.cpus().length, node: process.version }, results };
	fs.writeFileSync(RESULTS, `${JSON.stringify(all, null, 2)}\n`);
}

function main() {
	if (process.getuid() !== 0) throw new Error('run as root: tscare-ctl needs ptrace');
	const opt = parseOptions(process.argv.slice(2));
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-applier-'));
	try {
		const built = build(dir);
		const results = opt.threads.map((n) => measure(built, n, opt.runs, dir));
		console.log(table(results));
		saveResults(results);
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

main();
