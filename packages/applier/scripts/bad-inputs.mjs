#!/usr/bin/env node
/**
 * Regenerates ../BAD-INPUTS.md by running the real tools (as root, after `npx tsc -b
 * packages/applier`): builds the hello fixture and its patch, starts it, feeds each bad
 * input to tscare-ctl / tscare-kpatch and writes what they print. Scratch files live in
 * /tmp/tscare-bad-inputs and are removed at the end.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../..');
const FIX = `${ROOT}/packages/applier/fixtures`;
const CTL = `${ROOT}/bin/tscare-ctl`;
const KP = `${ROOT}/bin/tscare-kpatch`;
const D = '/tmp/tscare-bad-inputs';
fs.rmSync(D, { recursive: true, force: true });
fs.mkdirSync(D, { recursive: true, mode: 0o755 });
process.chdir(D);
execFileSync('gcc', ['-O2', '-o', 'hello', `${FIX}/hello/foo.s`]);
execFileSync('gcc', ['-O2', '-o', 'hello-patched', `${FIX}/hello/foobar.s`, '-Wl,-q'], { stdio: 'pipe' });
execFileSync(KP, ['build', '-i', '0001', '-o', 'hello.kpatch', 'hello', 'hello-patched']);
execFileSync('gcc', ['-O2', '-o', 'threads', `${FIX}/threads/threads.s`, '-lpthread']);
execFileSync('gcc', ['-O2', '-o', 'threads-patched', `${FIX}/threads/threads-patched.s`, '-lpthread', '-Wl,-q'], { stdio: 'pipe' });
execFileSync(KP, ['build', '-i', '0007', '-o', 'threads.kpatch', 'threads', 'threads-patched']);
const buildId = execFileSync(KP, ['build-id', 'hello'], { encoding: 'utf8' }).trim();
const pid = Number(spawnSync('sh', ['-c', `setsid ${D}/hello 1000 > ${D}/hello.out 2>&1 < /dev/null & echo $!`], { encoding: 'utf8' }).stdout.trim());
execFileSync('sleep', ['0.3']);
const good = fs.readFileSync('hello.kpatch');
const mk = (name, edit) => { const b = edit(Buffer.from(good)); fs.writeFileSync(name, b); return `${D}/${name}`; };
const rows = [];
const run = (what, tool, args) => {
  const r = spawnSync(tool, args, { encoding: 'utf8' });
  const cmd = `${path.basename(tool)} ${args.join(' ')}`.replaceAll(String(pid), 'PID');
  const err = r.stderr.trim().replaceAll(String(pid), 'PID');
  rows.push({ what, cmd, code: r.status, err });
};
const P = String(pid);
run('process does not exist', CTL, ['patch', '-p', '999999999', `${D}/hello.kpatch`]);
run('path does not exist', CTL, ['patch', '-p', P, `${D}/nope.kpatch`]);
run('truncated file', CTL, ['patch', '-p', P, mk('truncated.kpatch', (b) => b.subarray(0, b.length - 100))]);
run('shorter than the 504-byte header', CTL, ['patch', '-p', P, mk('tiny.kpatch', (b) => b.subarray(0, 100))]);
run('not a kpatch (bad magic)', CTL, ['patch', '-p', P, `${D}/hello`]);
run('upstream CloudLinux libcare file', CTL, ['patch', '-p', P, mk('upstream.kpatch', (b) => { b.fill(0, 8, 504); b.writeUInt32LE(688, 352); b.writeUInt32LE(b.length, 360); return b; })]);
run('kpatch_offset out of range', CTL, ['patch', '-p', P, mk('offset.kpatch', (b) => { b.writeUInt32LE(b.length + 8, 152); return b; })]);
run('u64 header field beyond 2^53', CTL, ['patch', '-p', P, mk('u64.kpatch', (b) => { b.writeBigUInt64LE(1n << 60n, 136); return b; })]);
run('bad patch id', CTL, ['patch', '-p', P, mk('id.kpatch', (b) => { b.fill(0, 8, 16); return b; })]);
run('bad build id in the header', CTL, ['patch', '-p', P, mk('bid.kpatch', (b) => { b.write('zz', 88, 'latin1'); return b; })]);
run('embedded ELF: section table out of range', CTL, ['patch', '-p', P, mk('shoff.kpatch', (b) => { b.writeBigUInt64LE(0x7fffffffn, 504 + 40); return b; })]);
run('embedded ELF: not ET_REL', CTL, ['patch', '-p', P, mk('etype.kpatch', (b) => { b.writeUInt16LE(2, 504 + 16); return b; })]);
run('.kpatch.info missing', CTL, ['patch', '-p', P, mk('info.kpatch', (b) => { const i = b.indexOf('.kpatch.info\0', 504, 'latin1'); b.write('x', i + 11, 'latin1'); return b; })]);
run('patch for another binary', CTL, ['patch', '-p', P, `${D}/threads.kpatch`]);
fs.chmodSync('hello.kpatch', 0o666);
run('(root) patch file writable by others', CTL, ['patch', '-p', P, `${D}/hello.kpatch`]);
fs.chmodSync('hello.kpatch', 0o644);
fs.mkdirSync('open', { mode: 0o777 }); fs.chmodSync('open', 0o777); fs.copyFileSync('hello.kpatch', 'open/hello.kpatch');
run('(root) a directory above is writable by others, no sticky bit', CTL, ['patch', '-p', P, `${D}/open/hello.kpatch`]);
fs.copyFileSync('hello.kpatch', 'nobody.kpatch'); fs.chownSync('nobody.kpatch', 65534, 65534);
run('(root) patch file not owned by root', CTL, ['patch', '-p', P, `${D}/nobody.kpatch`]);
fs.mkdirSync('store'); fs.copyFileSync('hello.kpatch', `store/${buildId}.kpatch`);
fs.writeFileSync('store/before', '#!/bin/sh\nexit 3\n', { mode: 0o755 });
run('storage `before` script fails', CTL, ['patch', '-p', P, `${D}/store`]);
fs.chmodSync('store/before', 0o775);
run('(root) storage hook writable by group', CTL, ['patch', '-p', P, `${D}/store`]);
fs.rmSync('store/before');
fs.mkdirSync(`levels/${buildId}/x`, { recursive: true }); fs.copyFileSync('hello.kpatch', `levels/${buildId}/x/kpatch.bin`); fs.symlinkSync('x', `levels/${buildId}/latest`);
run('storage `latest` is not a level number', CTL, ['patch', '-p', P, `${D}/levels`]);
execFileSync(KP, ['keygen', '-o', 'key']); execFileSync(KP, ['keygen', '-o', 'other']);
run('--require-signed, no .sig', CTL, ['patch', '-p', P, '--require-signed', `${D}/key.pub`, `${D}/hello.kpatch`]);
execFileSync(KP, ['sign', '-k', 'other', 'hello.kpatch']);
run('--require-signed, signed with another key', CTL, ['patch', '-p', P, '--require-signed', `${D}/key.pub`, `${D}/hello.kpatch`]);
execFileSync(KP, ['sign', '-k', 'key', 'hello.kpatch']);
fs.copyFileSync('hello.kpatch', 'altered.kpatch'); fs.copyFileSync('hello.kpatch.sig', 'altered.kpatch.sig');
const a = fs.readFileSync('altered.kpatch'); a[a.length - 200] ^= 1; fs.writeFileSync('altered.kpatch', a);
run('--require-signed, file changed after signing', CTL, ['patch', '-p', P, '--require-signed', `${D}/key.pub`, `${D}/altered.kpatch`]);
fs.writeFileSync('hello.kpatch.sig', 'garbage\n');
run('--require-signed, damaged .sig', CTL, ['patch', '-p', P, '--require-signed', `${D}/key.pub`, `${D}/hello.kpatch`]);
execFileSync(KP, ['sign', '-k', 'key', 'hello.kpatch']);
run('--require-signed, key is not an Ed25519 PEM key', CTL, ['patch', '-p', P, '--require-signed', `${D}/hello.kpatch`, `${D}/hello.kpatch`]);
spawnSync(CTL, ['patch', '-p', P, `${D}/hello.kpatch`]);
run('patch already applied', CTL, ['patch', '-p', P, `${D}/hello.kpatch`]);
spawnSync(CTL, ['unpatch', '-p', P, '-i', '0001']);
run('unpatch of a patch that is not applied', CTL, ['unpatch', '-p', P, '-i', '0001']);
run('usage: unknown command', CTL, ['frobnicate', '-p', P]);
run('usage: info -p all', CTL, ['info', '-p', 'all']);
run('usage: --require-signed without a key', CTL, ['patch', '-p', P, `${D}/hello.kpatch`, '--require-signed']);
run('tscare-kpatch sign of a file that is not a patch', KP, ['sign', '-k', 'key', `${D}/hello`]);
run('tscare-kpatch verify with no .sig', KP, ['verify', '-k', 'key.pub', `${D}/truncated.kpatch`]);
run('tscare-kpatch keygen over an existing key', KP, ['keygen', '-o', 'key']);
process.kill(pid, 'SIGKILL');

const cell = (s) => s.replaceAll('|', '\\|').replaceAll('\n', '<br>');
const out = ['# Bad inputs and what the user gets', '',
  'Each row was produced by running the tools (`tscare-ctl` as root against a running `hello`',
  'fixture, and `tscare-kpatch`) with `node packages/applier/scripts/bad-inputs.mjs`, which',
  'rewrites this file; stderr is copied as printed. `PID` stands for the target\'s pid; paths are',
  `those of that run (\`${D}\`). Every \`tscare-ctl\` refusal below exits 255 and leaves the`,
  'target exactly as it was: the patch file (and its signature) is read, checked and verified',
  'before any process is touched (`src/refusals.test.ts` checks the maps for each kind, fuzzed',
  'files included). For USAGE errors the hint is the usage text, cut here after its first line.', '',
  '| Bad input | Command | Exit | Message (stderr) |', '|---|---|---|---|'];
for (const r of rows) {
  const lines = r.err.split('\n');
  const err = r.err.includes('error USAGE') ? `${lines.slice(0, 2).join('\n')} …` : r.err;
  out.push(`| ${cell(r.what)} | \`${cell(r.cmd)}\` | ${r.code} | ${cell(err)} |`);
}
out.push('', 'Fuzzing (the same promise, at scale): `packages/kpatch/src/fuzz.test.ts` feeds 12,000',
  'mutated `.kpatch` files (truncations, bit flips, header/ELF/section/symbol/rela/info fields set',
  'to boundary values) to the reader and accepts only `TscareError`s, each parse time-boxed in a',
  'worker; `packages/gnu-as-parser/src/fuzz.test.ts` does the same for `parseAssembly` (only',
  '`GAS_SYNTAX` or an exact `printAssembly` round trip).', '');
fs.writeFileSync(path.join(HERE, '..', 'BAD-INPUTS.md'), out.join('\n'));
process.chdir('/');
fs.rmSync(D, { recursive: true, force: true });
