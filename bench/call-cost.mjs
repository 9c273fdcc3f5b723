#!/usr/bin/env node
/**
 * Call cost of a patched function against the unpatched one (issue 6). A C program calls a
 * small noipa function in a tight loop, a fixed number of iterations per batch, and prints
 * ns/call (clock_gettime) after every batch (about a second each). The patch is made by
 * tscare-patch-make from a source diff that only changes an immediate (`x * 3 + 1` becomes
 * `x * 3 + 2`: the same instructions), so after `tscare-ctl patch` a call differs only by the
 * jump from the old entry to the new code. Measured before the patch, patched, and after
 * unpatch; the batch running while tscare-ctl works (and the first, with start-up) is dropped. Prints a markdown table and
 * merges the key `call_cost` into bench/results.json.
 *
 * Usage: node bench/call-cost.mjs [--samples 5] [--iterations 700000000]   (as root)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, markdownTable, median, parseOptions, round, run, saveResults } from './support.mjs';

const LOOP_C = `#include <stdio.h>
#include <stdlib.h>
#include <time.h>
/* noipa: gcc must not inline, clone or hoist the call; each iteration really calls step(). */
__attribute__((noipa)) long step(long x) { return x * 3 + 1; }
int main(int argc, char **argv) {
	long n = atol(argv[1]), acc = 0;
	for (;;) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (long i = 0; i < n; i++) acc = step(acc);
		clock_gettime(CLOCK_MONOTONIC, &b);
		double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
		/* step(0) tells which version runs: 1 unpatched, 2 patched; acc keeps the loop alive. */
		printf("%.4f %ld %ld\\n", ns / n, step(0), acc & 1);
		fflush(stdout);
	}
}
`;
const FIX = `--- a/loop.c
+++ b/loop.c
@@ -4,3 +4,3 @@
 /* noipa: gcc must not inline, clone or hoist the call; each iteration really calls step(). */
-__attribute__((noipa)) long step(long x) { return x * 3 + 1; }
+__attribute__((noipa)) long step(long x) { return x * 3 + 2; }
 int main(int argc, char **argv) {
`;
const MAKEFILE = ['all: loop', 'loop: loop.c', '\t$(CC) -O2 -g -o $@ loop.c', 'install: loop',
	'\tinstall -D -m 0755 loop $(DESTDIR)/bin/loop', 'clean:', '\trm -f loop', '.PHONY: all install clean', ''].join('\n');

function buildPatch(dir) {
	fs.writeFileSync(path.join(dir, 'loop.c'), LOOP_C);
	fs.writeFileSync(path.join(dir, 'fix.patch'), FIX);
	fs.writeFileSync(path.join(dir, 'Makefile'), MAKEFILE);
	run(path.join(BIN, 'tscare-patch-make'), ['--clean', '-q', '-i', 'callc', 'fix.patch'], { cwd: dir });
	return { program: path.join(dir, 'lpmake/bin/loop'), patchroot: path.join(dir, 'patchroot') };
}

/** The target's batches as they arrive: { nsPerCall, version }. */
function startTarget(program, iterations) {
	const child = spawn(program, [String(iterations)], { stdio: ['ignore', 'pipe', 'inherit'] });
	const samples = [];
	const waiters = [];
	let pending = '';
	child.stdout.on('data', (chunk) => {
		pending += chunk;
		const lines = pending.split('\n');
		pending = lines.pop();
		for (const line of lines) {
			const [ns, version] = line.split(' ').map(Number);
			samples.push({ nsPerCall: ns, version });
		}
		for (const w of waiters.splice(0)) w();
	});
	const waitUntil = async (done) => {
		while (!done()) {
			if (child.exitCode !== null) throw new Error(`bench: ${program} exited (${child.exitCode})`);
			await new Promise((resolve) => waiters.push(resolve));
		}
	};
	return { child, samples, waitUntil };
}

/**
 * SAMPLES batches of one phase. Batches that ended before the change may still sit in the
 * pipe: skip to the first batch run by the expected version, and drop that one too, since
 * tscare-ctl did its work while it ran.
 */
async function phase(target, samples, expectedVersion, name) {
	const start = target.samples.length;
	const first = () => target.samples.findIndex((s, i) => i >= start && s.version === expectedVersion);
	await target.waitUntil(() => first() >= 0 && target.samples.length >= first() + 1 + samples);
	const got = target.samples.slice(first() + 1, first() + 1 + samples);
	const wrong = got.filter((s) => s.version !== expectedVersion);
	if (wrong.length > 0) throw new Error(`bench: ${name}: step(0) returned ${wrong[0].version}, expected ${expectedVersion}`);
	return { phase: name, ns_per_call: round(median(got.map((s) => s.nsPerCall)), 4), samples: got.map((s) => s.nsPerCall) };
}

async function measure(dir, opt) {
	const built = buildPatch(dir);
	const target = startTarget(built.program, opt.iterations);
	const pid = String(target.child.pid);
	const ctl = path.join(BIN, 'tscare-ctl');
	try {
		const before = await phase(target, opt.samples, 1, 'before patch');
		run(ctl, ['patch', '-p', pid, built.patchroot]);
		const patched = await phase(target, opt.samples, 2, 'patched');
		run(ctl, ['unpatch', '-p', pid, '-i', 'callc']);
		const after = await phase(target, opt.samples, 1, 'after unpatch');
		return { iterations_per_batch: opt.iterations, phases: [before, patched, after], extra_ns_per_call: round(patched.ns_per_call - before.ns_per_call, 4) };
	} finally {
		target.child.kill('SIGKILL');
	}
}

function table(result) {
	const base = result.phases[0].ns_per_call;
	const rows = result.phases.map((p) => [p.phase, p.ns_per_call, round(p.ns_per_call - base, 4), p.samples.map((s) => s.toFixed(3)).join(', ')]);
	return markdownTable(['phase', 'ns/call (median)', 'difference to before (ns)', 'batches (ns/call)'], rows);
}

const opt = parseOptions(process.argv.slice(2), { samples: 5, iterations: 700000000 });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscare-bench-call-'));
try {
	const result = await measure(dir, opt);
	console.log(table(result));
	saveResults('call_cost', result);
} finally {
	fs.rmSync(dir, { recursive: true, force: true });
}
