/**
 * `tscare-ctl exec`: the program is patched before main runs, so even its first line comes
 * from the new code; a patch that cannot be applied means the program does not run at all.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { buildFixture, CLI, killTarget, linesAfter, runCtl, runKpatch, sleep, type BuiltFixture, type Target } from './test-targets.js';

const SCHEMA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../tscare-ctl-output.schema.json');
const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(fs.readFileSync(SCHEMA, 'utf8')));

let dir: string;
let hello: BuiltFixture;
let storage: string;
const targets: Target[] = [];

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('these tests need root (ptrace of processes that are not our children)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscare-exec-'));
  hello = buildFixture(dir, 'hello', 'foo.s', 'foobar.s', '0001');
  storage = path.join(dir, 'storage');
  fs.mkdirSync(storage);
  fs.copyFileSync(hello.kpatch, path.join(storage, `${hello.buildId}.kpatch`));
});

afterAll(() => {
  targets.forEach(killTarget);
  fs.rmSync(dir, { recursive: true, force: true });
});

interface ExecRun {
  code: number | null;
  /** What tscare-ctl (and the program) wrote on stderr. */
  err: string;
  /** The file the program's stdout goes to. */
  out: string;
  pid: number;
}

/** tscare-ctl exec with stdout and stderr in files: the program keeps them after we return. */
function execCtl(name: string, args: string[]): ExecRun {
  const out = path.join(dir, `${name}.out`);
  const errFile = path.join(dir, `${name}.err`);
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const r = spawnSync('sh', ['-c', `${[process.execPath, CLI, ...args].map(q).join(' ')} > ${q(out)} 2> ${q(errFile)} < /dev/null`], { timeout: 60000 });
  const err = fs.readFileSync(errFile, 'utf8');
  const pid = Number(/targeting pid (\d+)/.exec(err)?.[1] ?? /"pid": (\d+)/.exec(err)?.[1] ?? 0);
  if (pid > 0) targets.push({ pid, out });
  return { code: r.status, err, out, pid };
}

function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2)[0]);
  } catch {
    return false;
  }
}

test('the first line the program prints already comes from the patched function', async () => {
  const r = execCtl('first', ['exec', '--storage', storage, '--', hello.exe, '30']);
  expect(r.code).toBe(0);
  expect(r.err).toContain(`1 patch hunk(s) have been successfully applied to PID '${r.pid}'`);
  expect(r.err).toContain(`kpatch_ctl cmdline="${hello.exe}\\x0030\\x00"`);
  // tscare-ctl has exited; the program runs on, untraced, and prints only the new line.
  const lines = await linesAfter(r.out, 0, 6);
  expect(lines).toEqual(lines.map(() => 'Hello world being patched!'));
  expect(alive(r.pid)).toBe(true);
  expect(fs.readFileSync(`/proc/${r.pid}/status`, 'utf8')).toMatch(/^TracerPid:\t0$/m);
  const info = runCtl(['info', '-p', String(r.pid)]);
  expect(info.stdout).toContain('Patch id:                 0001\n');
  expect(info.stdout).toContain(`Build id:                 ${hello.buildId}\n`);
  // The patch is an ordinary applied patch: it comes off like any other.
  expect(runCtl(['unpatch', '-p', String(r.pid), '-i', '0001']).code).toBe(0);
  const size = fs.statSync(r.out).size;
  expect(await linesAfter(r.out, size, 2)).toContain('Hello world!');
});

test('arguments after -- belong to the program, --json included; --json prints the document on stderr', async () => {
  const script = path.join(dir, 'args.sh');
  fs.writeFileSync(script, '#!/bin/sh\necho "args: $*"\nexec sleep 30\n', { mode: 0o755 });
  const r = execCtl('args', ['--json', 'exec', '--storage', storage, '--', script, '--json', '-v', '-p']);
  // A shell script's objects (sh, libc) have no patch in this storage: it runs unpatched.
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.err);
  expect(validate(doc)).toBe(true);
  expect(doc).toMatchObject({ command: 'exec', ok: true, processes: [{ kind: 'nothing-to-apply', pid: r.pid }] });
  expect(await linesAfter(r.out, 0, 1)).toEqual(['args: --json -v -p']);
});

test('a patch that does not fit the program: refused, and the program never runs', async () => {
  const other = path.join(dir, 'other');
  fs.copyFileSync('/bin/sleep', other);
  const r = execCtl('mismatch', ['exec', '--storage', hello.kpatch, '--', other, '30']);
  expect(r.code).toBe(255);
  expect(r.err).toContain('tscare-ctl: error PATCH_BUILDID_MISMATCH:');
  expect(r.err).toContain(`Failed to apply patch '${hello.kpatch}'`);
  await sleep(100);
  expect(alive(r.pid)).toBe(false);
});

test('--require-signed: an unsigned patch is never run; a signed one is applied', async () => {
  const key = path.join(dir, 'key');
  runKpatch(['keygen', '-o', key]);
  // A file is verified before the program is started at all.
  const marker = path.join(dir, 'unsigned-marker');
  const fileRefused = execCtl('unsigned-file', ['exec', '--storage', hello.kpatch, '--require-signed', `${key}.pub`, '--', hello.exe, '30', marker]);
  expect(fileRefused.code).toBe(255);
  expect(fileRefused.err).toContain('tscare-ctl: error PATCH_UNSIGNED:');
  expect(fileRefused.pid).toBe(0);
  expect(programPid(hello.exe, marker)).toBe(0);
  // A directory's patch is read when the program's build ids are known: it is killed before running any code.
  const dirRefused = execCtl('unsigned-dir', ['exec', '--storage', storage, '--require-signed', `${key}.pub`, '--', hello.exe, '30']);
  expect(dirRefused.code).toBe(255);
  expect(dirRefused.err).toContain('tscare-ctl: error PATCH_UNSIGNED:');
  await sleep(100);
  expect(alive(dirRefused.pid)).toBe(false);
  expect(fs.readFileSync(dirRefused.out, 'utf8')).toBe('');

  runKpatch(['sign', '-k', key, path.join(storage, `${hello.buildId}.kpatch`)]);
  const signed = execCtl('signed', ['exec', '--storage', storage, '--require-signed', `${key}.pub`, '--', hello.exe, '30']);
  expect(signed.code).toBe(0);
  expect(await linesAfter(signed.out, 0, 2)).toEqual(['Hello world being patched!', 'Hello world being patched!']);
});

test('a program that cannot be executed: EXEC_FAILED, exit 255', () => {
  const r = execCtl('missing', ['exec', '--storage', storage, '--', path.join(dir, 'no-such-program')]);
  expect(r.code).toBe(255);
  expect(r.err).toMatch(/tscare-ctl: error EXEC_FAILED: process \d+ exited with status 127 before the exec of/);
});

describe('tscare-ctl killed (TSCARE_TEST_FAULT) while starting the program: it never runs unpatched', () => {
  function execKilledAt(step: string, name: string): { pid: number; out: string } {
    const out = path.join(dir, `${name}.out`);
    const pidFile = path.join(dir, `${name}.pid`);
    // tscare-ctl dies before it prints the pid: the program is found by a marker argument.
    const r = spawnSync('sh', ['-c', `TSCARE_TEST_FAULT=${step} "$@" > '${out}' 2> '${out}.err' < /dev/null`, 'sh', process.execPath, CLI, 'exec', '--storage', storage, '--', hello.exe, '30', pidFile]);
    expect(r.signal ?? r.status).not.toBe(0);
    const pid = programPid(hello.exe, pidFile);
    if (pid > 0) targets.push({ pid, out });
    return { pid, out };
  }

  test('while traced, at the entry point: the program dies with tscare-ctl (PTRACE_O_EXITKILL)', async () => {
    const { pid, out } = execKilledAt('exec:at-entry', 'fault-entry');
    await sleep(200);
    expect(pid === 0 || !alive(pid)).toBe(true);
    expect(fs.readFileSync(out, 'utf8')).toBe('');
  });

  test('in the freeze of its patch: the program stays stopped, prints nothing, untraced', async () => {
    const { pid, out } = execKilledAt('patch:frozen', 'fault-frozen');
    expect(pid).toBeGreaterThan(0);
    await sleep(200);
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    expect(status).toMatch(/^State:\tT \(stopped\)$/m);
    expect(status).toMatch(/^TracerPid:\t0$/m);
    expect(fs.readFileSync(out, 'utf8')).toBe('');
  });
});

/** The pid of the process running `exe` with `marker` as its last argument, 0 if none. */
function programPid(exe: string, marker: string): number {
  for (const p of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const argv = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      if (argv[0] === exe && argv.includes(marker)) return Number(p);
    } catch {
      // gone meanwhile
    }
  }
  return 0;
}

test('the dynamic loader run as the program (ld.so PROGRAM): EXEC_UNSUPPORTED, nothing runs', async () => {
  const loader = fs.realpathSync('/lib64/ld-linux-x86-64.so.2');
  const r = execCtl('loader', ['exec', '--storage', storage, '--', loader, hello.exe, '30']);
  expect(r.code).toBe(255);
  expect(r.err).toContain(`tscare-ctl: error EXEC_UNSUPPORTED: ${loader} is the dynamic loader`);
  await sleep(100);
  expect(fs.readFileSync(r.out, 'utf8')).toBe('');
});
