/**
 * Symbols looked up as ld.so does, on real processes: LD_PRELOAD comes before libc, a
 * versioned reference gets its version, build ids of other lengths than sha1's 20 bytes are
 * found, and a shared library's initial-exec TLS variable (GOTTPOFF) is per thread.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildFixture, buildFromC, FIXTURES, killTarget, linesAfter, outputSize, runCtl, startTarget, type Target } from './test-targets.js';

let dir: string;
const targets: Target[] = [];

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('these tests need root (ptrace of processes that are not our children)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscare-lookup-'));
});

afterAll(() => {
  targets.forEach(killTarget);
  fs.rmSync(dir, { recursive: true, force: true });
});

function start(exe: string, name: string, env: NodeJS.ProcessEnv = {}): Target {
  const t = startTarget(exe, ['20'], path.join(dir, `${name}.out`), env);
  targets.push(t);
  return t;
}

/** Patches `t` with `kpatch` and returns the next `count` lines it prints. */
async function patchAndRead(t: Target, kpatch: string, count: number): Promise<string[]> {
  const r = runCtl(['patch', '-p', String(t.pid), kpatch]);
  expect(r).toMatchObject({ code: 0, stderr: '' });
  const lines = await linesAfter(t.out, outputSize(t.out), count + 1);
  return lines.slice(1); // the first may have been printed by the old code
}

test('a patch calling rand() binds to the LD_PRELOADed definition, not libc\'s', async () => {
  const b = buildFromC(dir, 'randprog', 'lookup/value-main.c', 'lookup/rand-patched.c');
  const preload = path.join(dir, 'libpreload.so');
  execFileSync('gcc', ['-O2', '-shared', '-fPIC', '-o', preload, path.join(FIXTURES, 'lookup', 'preload.c')]);
  const withPreload = start(b.exe, 'preloaded', { LD_PRELOAD: preload });
  const plain = start(b.exe, 'plain');
  expect(await linesAfter(withPreload.out, 0, 2)).toEqual(['value=0', 'value=0']);
  expect(fs.readFileSync(`/proc/${withPreload.pid}/maps`, 'utf8')).toContain(preload);
  expect(new Set(await patchAndRead(withPreload, b.kpatch, 4))).toEqual(new Set(['value=4242']));
  // The same patch in a process without the preload gets libc's rand(): the test tells them apart.
  const fromLibc = await patchAndRead(plain, b.kpatch, 4);
  expect(fromLibc.filter((l) => l === 'value=4242' || l === 'value=0')).toEqual([]);
});

test('ver_value@V1 and ver_value@@V2 of one library bind to their own versions', async () => {
  const lib = path.join(dir, 'libver.so');
  execFileSync('gcc', ['-O2', '-shared', '-fPIC', `-Wl,--version-script=${path.join(FIXTURES, 'lookup', 'libver.map')}`,
    '-o', lib, path.join(FIXTURES, 'lookup', 'libver.c')]);
  const b = buildFromC(dir, 'verprog', 'lookup/ver-main.c', 'lookup/ver-patched.c',
    { ldflags: [`-L${dir}`, '-Wl,--no-as-needed', '-lver', `-Wl,-rpath,${dir}`] });
  const t = start(b.exe, 'ver');
  expect(await linesAfter(t.out, 0, 1)).toEqual(['value=0']);
  // 10 * V1 (1) + default V2 (2); 22 would mean the version was ignored, 11 that the hidden one won.
  expect(new Set(await patchAndRead(t, b.kpatch, 3))).toEqual(new Set(['value=12']));
});

test('initial-exec TLS of a patched shared library (GOTTPOFF): each thread reads its own value', async () => {
  const lib = buildFromC(dir, 'libtls.so', 'lookup/libtls.c', 'lookup/libtls-patched.c', { cflags: ['-fPIC'], ldflags: ['-shared'] });
  const asm = fs.readFileSync(path.join(dir, 'libtls.so.merged.s'), 'utf8');
  expect(asm).toMatch(/tls_counter\.?\w*@gottpoff\(%rip\)/);
  const exe = path.join(dir, 'tlsprog');
  execFileSync('gcc', ['-O2', '-pthread', '-o', exe, path.join(FIXTURES, 'lookup', 'tls-main.c'), `-L${dir}`, '-ltls', `-Wl,-rpath,${dir}`]);
  const t = start(exe, 'tls');
  expect(new Set(await linesAfter(t.out, 0, 4))).toEqual(new Set(['thread 1: 1', 'thread 2: 2']));
  expect(new Set(await patchAndRead(t, lib.kpatch, 6))).toEqual(new Set(['thread 1: 1001', 'thread 2: 1002']));
});

describe('build ids of other lengths', () => {
  function readelfBuildId(file: string): string {
    return /Build ID: ([0-9a-f]+)/.exec(execFileSync('readelf', ['-n', file], { encoding: 'utf8' }))![1];
  }

  async function patchWithBuildId(flag: string, name: string): Promise<{ full: string; info: string; lines: string[] }> {
    const sub = fs.mkdtempSync(path.join(dir, `${name}-`));
    const b = buildFixture(sub, 'hello', 'foo.s', 'foobar.s', '0001', [`-Wl,--build-id=${flag}`]);
    const t = start(b.exe, name);
    await linesAfter(t.out, 0, 1);
    const lines = await patchAndRead(t, b.kpatch, 2);
    return { full: readelfBuildId(b.exe), info: runCtl(['info', '-p', String(t.pid)]).stdout, lines };
  }

  test('md5 (16 bytes): found and patched, listed with its whole id', async () => {
    const r = await patchWithBuildId('md5', 'md5');
    expect(r.full).toHaveLength(32);
    expect(new Set(r.lines)).toEqual(new Set(['Hello world being patched!']));
    expect(r.info).toContain(`Build id:                 ${r.full}\n`);
  });

  test('32 bytes (--build-id=0x...): matched by its first 20 bytes, the most a .kpatch header holds', async () => {
    const r = await patchWithBuildId(`0x${'5a'.repeat(20)}${'c3'.repeat(12)}`, 'long');
    expect(r.full).toBe(`${'5a'.repeat(20)}${'c3'.repeat(12)}`);
    expect(new Set(r.lines)).toEqual(new Set(['Hello world being patched!']));
    expect(r.info).toContain(`Build id:                 ${'5a'.repeat(20)}\n`);
  });
});
