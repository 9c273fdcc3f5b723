/**
 * Linking a real .kpatch (built from the hello fixture) for made-up places in a made-up
 * process: where imports land, and that nothing out of rel32 reach is ever truncated.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SHT_RELA, STT_FUNC, STT_OBJECT } from '@tscare/elf';
import { readKpatchFile, type KpatchFile } from '@tscare/kpatch';
import { computeLayout } from './layout.js';
import { linkPatch } from './link.js';
import type { MappedObject } from './objects.js';
import type { ResolvedSymbol } from './symbol-resolver.js';
import { buildFixture } from './test-targets.js';

let dir: string;
let kp: KpatchFile;
const BIAS = 0x555555554000;
const LIBC = { name: 'libc.so.6' } as MappedObject;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscare-link-'));
  kp = readKpatchFile(buildFixture(dir, 'hello', 'foo.s', 'foobar.s', '0001').kpatch);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function resolverAt(addr: number) {
  return (name: string): ResolvedSymbol | undefined => ({ address: addr, size: 8, type: name.startsWith('stdout') ? STT_OBJECT : STT_FUNC, object: LIBC });
}

/** The rel32 stored for the relocation against `name` in .kpatch.text, and its place. */
function rel32For(image: Buffer, base: number, elfOffset: number, name: string): { target: number } {
  const text = kp.elf.sectionByName('.kpatch.text')!;
  const rela = kp.elf.sections.find((s) => s.sh_type === SHT_RELA && s.sh_info === text.index)!;
  const syms = kp.elf.symbols(kp.elf.sectionByName('.symtab')!);
  const r = kp.elf.relocations(rela).find((x) => syms[x.sym].name.startsWith(name))!;
  const at = elfOffset + text.sh_offset + r.r_offset;
  return { target: base + at + 4 + image.readInt32LE(at) };
}

test('LibcarePlus layout and header fields for the hello patch', () => {
  const layout = computeLayout(kp);
  expect(layout.jmpOffset).toBe(504);
  expect(layout.jmpEntries).toBe(2); // puts, fflush (stdout is the executable's copy)
  expect(layout.elfOffset).toBe(4096);
  expect(layout.userUndo).toBe(Math.ceil((4096 + kp.header.total_size - 504) / 128) * 128);
  expect(layout.totalMemSize).toBe(Math.ceil((layout.userUndo + 5 * kp.infoCount) / 16 / 256) * 4096);
  const base = BIAS + 0x6000;
  const linked = linkPatch({ kp, layout, base, bias: BIAS, resolve: resolverAt(0x7ffff7c00000) }, 2);
  const h = linked.image;
  expect(h.subarray(0, 164)).toEqual(kp.data.subarray(0, 164));
  expect([h.readUInt32LE(164), h.readUInt32LE(168), Number(h.readBigUInt64LE(176))]).toEqual([504, 4096, layout.totalMemSize]);
  expect([h.readUInt32LE(184), h.readUInt32LE(188), h.readUInt32LE(192)]).toEqual([layout.userUndo, 4096 + kp.infoSection.sh_offset, 2]);
  expect(linked.info).toHaveLength(1);
  expect(linked.info[0].saddr).toBe(base + 4096 + kp.elf.sectionByName('.kpatch.text')!.sh_offset);
});

test('a library function in reach is called directly, a far one through its trampoline', () => {
  const layout = computeLayout(kp);
  const base = BIAS + 0x6000;
  const near = linkPatch({ kp, layout, base, bias: BIAS, resolve: resolverAt(base + 0x10000000) }, 0);
  expect(rel32For(near.image, base, layout.elfOffset, 'puts').target).toBe(base + 0x10000000);
  const far = linkPatch({ kp, layout, base, bias: BIAS, resolve: resolverAt(0x7ffff7c00000) }, 0);
  const tramp = rel32For(far.image, base, layout.elfOffset, 'puts').target;
  expect(tramp).toBeGreaterThanOrEqual(base + 504 + 16);
  expect(far.image.subarray(tramp - base, tramp - base + 8)).toEqual(Buffer.from([0xff, 0x25, 2, 0, 0, 0, 0x90, 0x90]));
  expect(Number(far.image.readBigUInt64LE(tramp - base + 8))).toBe(0x7ffff7c00000);
});

test('data out of ±2 GiB reach is an error, never truncated', () => {
  const layout = computeLayout(kp);
  // The mapping 3 GiB away from the object: the reference to the executable's stdout copy cannot reach.
  expect(() => linkPatch({ kp, layout, base: BIAS + 0xc0000000, bias: BIAS, resolve: resolverAt(BIAS) }, 0))
    .toThrow(expect.objectContaining({ code: 'RELOC_FAILED', message: expect.stringMatching(/stdout.*does not fit in a signed 32-bit field/) }));
  expect(() => linkPatch({ kp, layout, base: BIAS + 0x6000, bias: BIAS, resolve: () => undefined }, 0))
    .toThrow(expect.objectContaining({ code: 'SYMBOL_UNRESOLVED', message: expect.stringContaining('puts@GLIBC_2.2.5') }));
});
