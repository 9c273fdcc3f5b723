/**
 * Refusals against a real running process: unsafe ownership or permissions (as root),
 * missing or bad signatures; the target's maps must be exactly as before every refusal.
 */
import fs from 'node:fs';
import { isTscareError } from '@tscare/errors';
import { parseKpatch } from '@tscare/kpatch';
import os from 'node:os';
import path from 'node:path';
import {
  anonExecMappings, buildFixture, killTarget, linesAfter, outputSize, runCtl, runKpatch, stableMaps, startTarget,
  type BuiltFixture, type Target,
} from './test-targets.js';

const OLD = 'Hello world!';
const NEW = 'Hello world being patched!';

let dir: string;
let hello: BuiltFixture;
let target: Target | undefined;

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('these tests need root (ptrace of processes that are not our children)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscare-refusals-'));
  hello = buildFixture(dir, 'hello', 'foo.s', 'foobar.s', '0001');
  target = startTarget(hello.exe, ['20'], path.join(dir, 'hello.out'));
  await linesAfter(target.out, 0, 1); // running its own code, not setsid's
});

afterAll(() => {
  killTarget(target);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs tscare-ctl, expects the refusal `code`, and checks the target was not touched. */
function expectRefused(args: string[], code: string): string {
  const before = stableMaps(target!.pid);
  const r = runCtl(args);
  expect(r.code).toBe(255);
  expect(r.stderr).toContain(`tscare-ctl: error ${code}: `);
  expect(stableMaps(target!.pid)).toBe(before);
  expect(anonExecMappings(target!.pid)).toEqual([]);
  return r.stderr;
}

async function expectPrints(line: string): Promise<void> {
  expect(new Set(await linesAfter(target!.out, outputSize(target!.out), 2))).toEqual(new Set([line]));
}

function patchAndUnpatch(storage: string, extra: string[] = []): void {
  const pid = String(target!.pid);
  const r = runCtl(['patch', '-p', pid, ...extra, storage]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(anonExecMappings(target!.pid)).toHaveLength(1);
  expect(runCtl(['unpatch', '-p', pid, '-i', '0001']).code).toBe(0);
}

describe('tscare-ctl as root refuses files others can change', () => {
  test('the patched line is NEW while applied (sanity of the fixture)', async () => {
    const pid = String(target!.pid);
    expect(runCtl(['patch', '-p', pid, hello.kpatch]).code).toBe(0);
    await expectPrints(NEW);
    expect(runCtl(['unpatch', '-p', pid, '-i', '0001']).code).toBe(0);
    await expectPrints(OLD);
  });

  test('a 0666 patch file is refused with the fix; once 0644 it applies', async () => {
    const pid = String(target!.pid);
    fs.chmodSync(hello.kpatch, 0o666);
    let msg: string;
    try {
      msg = expectRefused(['patch', '-p', pid, hello.kpatch], 'PATCH_FILE_INSECURE');
    } finally {
      fs.chmodSync(hello.kpatch, 0o644);
    }
    expect(msg).toContain(`${hello.kpatch} is writable by group or others (owner uid 0, mode 0666)`);
    expect(msg).toContain(`tscare-ctl: hint: chown root: ${hello.kpatch}; chmod go-w ${hello.kpatch}`);
    await expectPrints(OLD);
    patchAndUnpatch(hello.kpatch);
    await expectPrints(OLD);
  });

  test('storage directory: the directory, a patch inside, a hook, a level directory', async () => {
    const pid = String(target!.pid);
    const store = fs.mkdtempSync(path.join(dir, 'store-'));
    const flat = path.join(store, `${hello.buildId}.kpatch`);
    fs.copyFileSync(hello.kpatch, flat);
    fs.chmodSync(store, 0o777);
    expect(expectRefused(['patch', '-p', pid, store], 'PATCH_FILE_INSECURE')).toContain(`${store} is writable by group or others (owner uid 0, mode 0777)`);
    fs.chmodSync(store, 0o755);
    fs.chownSync(flat, 65534, 65534);
    expect(expectRefused(['patch', '-p', pid, store], 'PATCH_FILE_INSECURE')).toContain(`${flat} is not owned by root (owner uid 65534, mode 0644)`);
    fs.chownSync(flat, 0, 0);
    const before = path.join(store, 'before');
    fs.writeFileSync(before, '#!/bin/sh\nexit 0\n', { mode: 0o777 });
    fs.chmodSync(before, 0o777);
    expect(expectRefused(['patch', '-p', pid, store], 'PATCH_FILE_INSECURE')).toContain(`${before} is writable by group or others`);
    fs.chmodSync(before, 0o755);
    patchAndUnpatch(store);

    const levels = fs.mkdtempSync(path.join(dir, 'levels-'));
    fs.mkdirSync(path.join(levels, hello.buildId, '1'), { recursive: true });
    fs.copyFileSync(hello.kpatch, path.join(levels, hello.buildId, '1', 'kpatch.bin'));
    fs.symlinkSync('1', path.join(levels, hello.buildId, 'latest'));
    fs.chmodSync(path.join(levels, hello.buildId, '1'), 0o770);
    expect(expectRefused(['patch', '-p', pid, levels], 'PATCH_FILE_INSECURE')).toContain(`directory ${path.join(levels, hello.buildId, '1')} is writable by group or others without the sticky bit (owner uid 0, mode 0770)`);
    fs.chmodSync(path.join(levels, hello.buildId, '1'), 0o755);
    patchAndUnpatch(levels);
    await expectPrints(OLD);
  });
});

describe('tscare-ctl patch --require-signed', () => {
  let key: string;
  let otherKey: string;

  beforeAll(() => {
    key = path.join(dir, 'key');
    otherKey = path.join(dir, 'other');
    runKpatch(['keygen', '-o', key]);
    runKpatch(['keygen', '-o', otherKey]);
  });

  test('a signed patch applies; missing, altered, or other-key signatures are refused untouched', async () => {
    const pid = String(target!.pid);
    const file = path.join(fs.mkdtempSync(path.join(dir, 'signed-')), 'hello.kpatch');
    fs.copyFileSync(hello.kpatch, file);
    const msg = expectRefused(['patch', '-p', pid, '--require-signed', `${key}.pub`, file], 'PATCH_UNSIGNED');
    expect(msg).toContain(`${file} is not signed: ${file}.sig does not exist`);

    runKpatch(['sign', '-k', key, file]);
    patchAndUnpatch(file, ['--require-signed', `${key}.pub`]);
    await expectPrints(OLD);

    expect(expectRefused(['patch', '-p', pid, `--require-signed=${otherKey}.pub`, file], 'PATCH_BAD_SIGNATURE')).toContain(`${file}.sig was made with key SHA256:`);

    const good = fs.readFileSync(file);
    const altered = Buffer.from(good);
    altered[good.length - 200] ^= 0x01; // inside the embedded ELF: the reader alone might accept it
    fs.writeFileSync(file, altered);
    expect(expectRefused(['patch', '-p', pid, '--require-signed', `${key}.pub`, file], 'PATCH_BAD_SIGNATURE')).toContain(`${file} was changed after it was signed`);
    fs.writeFileSync(file, good);

    fs.chmodSync(`${key}.pub`, 0o666);
    try {
      expectRefused(['patch', '-p', pid, '--require-signed', `${key}.pub`, file], 'PATCH_FILE_INSECURE');
    } finally {
      fs.chmodSync(`${key}.pub`, 0o644);
    }
    expectRefused(['patch', '-p', pid, '--require-signed', hello.kpatch, file], 'KPATCH_BAD_KEY');
    await expectPrints(OLD);
  });

  test('storage directory: the .sig sits beside BUILDID.kpatch and kpatch.bin', async () => {
    const pid = String(target!.pid);
    const store = fs.mkdtempSync(path.join(dir, 'signed-store-'));
    const flat = path.join(store, `${hello.buildId}.kpatch`);
    fs.copyFileSync(hello.kpatch, flat);
    expect(expectRefused(['patch', '-p', pid, '--require-signed', `${key}.pub`, store], 'PATCH_UNSIGNED')).toContain(`${flat}.sig does not exist`);
    runKpatch(['sign', '-k', key, flat]);
    patchAndUnpatch(store, ['--require-signed', `${key}.pub`]);

    const levels = fs.mkdtempSync(path.join(dir, 'signed-levels-'));
    const bin = path.join(levels, hello.buildId, '2', 'kpatch.bin');
    fs.mkdirSync(path.dirname(bin), { recursive: true });
    fs.copyFileSync(hello.kpatch, bin);
    fs.symlinkSync('2', path.join(levels, hello.buildId, 'latest'));
    runKpatch(['sign', '-k', otherKey, bin]);
    const via = path.join(levels, hello.buildId, 'latest', 'kpatch.bin');
    expect(expectRefused(['patch', '-p', pid, '--require-signed', `${key}.pub`, levels], 'PATCH_BAD_SIGNATURE')).toContain(`${via}.sig was made with key`);
    runKpatch(['sign', '-k', key, bin]);
    patchAndUnpatch(levels, ['--require-signed', `${key}.pub`]);
    await expectPrints(OLD);
  });
});

/** mulberry32, so the mutants are the same on every run. */
function rng(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mutants of the real patch: header offsets, ELF table fields, bit flips, cuts. */
function mutants(good: Buffer): { what: string; data: Buffer }[] {
  const kp = parseKpatch(good, 'good');
  const base = kp.header.kpatch_offset;
  const shdr = (name: string): number => base + kp.elf.header.e_shoff + kp.elf.sectionByName(name)!.index * 64;
  const next = rng(0x5ec0de);
  const edits: [string, (b: Buffer) => Buffer][] = [
    ['kpatch_offset past the end', (b) => { b.writeUInt32LE(b.length + 8, 152); return b; }],
    ['total_size 0xffffffff', (b) => { b.writeUInt32LE(0xffffffff, 160); return b; }],
    ['e_shoff out of range', (b) => { b.writeBigUInt64LE(0x7fffffffn, base + 40); return b; }],
    ['e_shnum 0xffff', (b) => { b.writeUInt16LE(0xffff, base + 60); return b; }],
    ['e_shstrndx 999', (b) => { b.writeUInt16LE(999, base + 62); return b; }],
    ['.symtab sh_offset huge', (b) => { b.writeBigUInt64LE(1n << 40n, shdr('.symtab') + 24); return b; }],
    ['.symtab sh_link 77', (b) => { b.writeUInt32LE(77, shdr('.symtab') + 40); return b; }],
    ['.rela.kpatch.text sh_size + 24', (b) => { b.writeBigUInt64LE(b.readBigUInt64LE(shdr('.rela.kpatch.text') + 32) + 24n, shdr('.rela.kpatch.text') + 32); return b; }],
    ['.kpatch.info sh_size 49', (b) => { b.writeBigUInt64LE(49n, shdr('.kpatch.info') + 32); return b; }],
    ['cut at a random byte', (b) => b.subarray(0, Math.floor(next() * b.length))],
    ['cut inside the section headers', (b) => b.subarray(0, base + kp.elf.header.e_shoff + 100)],
    ['8 bit flips in the ELF header', (b) => { for (let k = 0; k < 8; k++) b[base + Math.floor(next() * 64)] ^= 1 << Math.floor(next() * 8); return b; }],
  ];
  return edits.map(([what, edit]) => ({ what, data: edit(Buffer.from(good)) }));
}

function readerCode(data: Buffer): string {
  try {
    parseKpatch(data, 'mutant');
    return 'accepted';
  } catch (e) {
    if (isTscareError(e)) return e.code;
    throw e;
  }
}

describe('fuzzed patch files never touch a live target', () => {
  test('each mutant is refused by tscare-ctl with the reader\'s code, maps unchanged, as a file and in a storage directory', async () => {
    const pid = String(target!.pid);
    const all = mutants(fs.readFileSync(hello.kpatch));
    const refused = all.filter((m) => readerCode(m.data) !== 'accepted');
    expect(refused.length).toBeGreaterThanOrEqual(10);
    const store = fs.mkdtempSync(path.join(dir, 'fuzzed-store-'));
    for (const [i, m] of refused.entries()) {
      const code = readerCode(m.data);
      const file = path.join(dir, `mutant-${i}.kpatch`);
      fs.writeFileSync(file, m.data);
      const msg = expectRefused(['patch', '-p', pid, file], code);
      expect(msg).toContain(file);
      fs.writeFileSync(path.join(store, `${hello.buildId}.kpatch`), m.data);
      expectRefused(['patch', '-p', pid, store], code);
    }
    await expectPrints(OLD);
  });
});
