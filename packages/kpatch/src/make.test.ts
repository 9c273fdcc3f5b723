import { isTscareError } from '@tscare/errors';
import { readElfFile } from '@tscare/elf';
import { readFileSync } from 'node:fs';
import { buildKpatch } from './build.js';
import { decodeKpatchHeader, encodeKpatchHeader, KPATCH_HEADER_SIZE, type KpatchHeader } from './header.js';
import { makeKpatch } from './make.js';
import { buildFooPair, makeScratch, type Scratch } from './testing/toolchain.js';

let s: Scratch;
let payload: Buffer;
let buildId: string;

beforeAll(async () => {
  s = makeScratch();
  const pair = buildFooPair(s);
  const r = await buildKpatch({ original: pair.orig, patched: pair.patched, patchId: 'x', workDir: s.path('work') });
  if (r.kind !== 'built') throw new Error(r.reason);
  payload = readFileSync(s.path('work/foobar.undolink'));
  buildId = readElfFile(pair.orig).buildId()!;
});
afterAll(() => s.cleanup());

/** The header as the reference's table (§1.2) describes kpatch_make's output, written field by field. */
function expectedHeader(id: string, bid: string, time: number, total: number): Buffer {
  const h = Buffer.alloc(504);
  h.write('KPATCH1\0', 0, 'latin1');
  h.write(id, 8, 'latin1');
  h.write(bid, 88, 'latin1');
  h.writeBigUInt64LE(BigInt(time), 136);
  h.writeUInt32LE(504, 152);
  h.writeUInt32LE(504, 156);
  h.writeUInt32LE(total, 160);
  return h;
}

describe('makeKpatch', () => {
  it('writes the 504-byte LibcarePlus header, the ELF at 504 and zero padding to 16', () => {
    const out = makeKpatch({ buildId, patchId: '0001', payload, buildTime: 1234567890 });
    const padded = Math.ceil(payload.length / 16) * 16;
    expect(out.length).toBe(504 + padded);
    expect(out.subarray(0, 8).toString('latin1')).toBe('KPATCH1\0');
    expect(out.subarray(8, 16).toString('latin1')).toBe('0001\0\0\0\0');
    expect(out.subarray(88, 129).toString('latin1')).toBe(`${buildId}\0`);
    expect(out.readBigUInt64LE(136)).toBe(1234567890n);
    expect([out.readUInt32LE(152), out.readUInt32LE(156), out.readUInt32LE(160)]).toEqual([504, 504, 504 + padded]);
    expect(out.subarray(0, 504).equals(expectedHeader('0001', buildId, 1234567890, 504 + padded))).toBe(true);
    expect(out.subarray(504, 508).toString('latin1')).toBe('\x7fELF');
    expect(out.subarray(504, 504 + payload.length).equals(payload)).toBe(true);
    expect(out.subarray(504 + payload.length).every((b) => b === 0)).toBe(true);
  });

  it('is deterministic apart from build_time', () => {
    const a = makeKpatch({ buildId, patchId: '0001', payload });
    const b = makeKpatch({ buildId, patchId: '0001', payload, buildTime: 1 });
    expect(Buffer.compare(a.subarray(0, 136), b.subarray(0, 136))).toBe(0);
    expect(Buffer.compare(a.subarray(144), b.subarray(144))).toBe(0);
    expect(Math.abs(Number(a.readBigUInt64LE(136)) - Date.now() / 1000)).toBeLessThan(60);
  });

  it('cuts a longer build id to 40 characters and lowercases it, like kpatch_make', () => {
    const long = 'AB'.repeat(32);
    const out = makeKpatch({ buildId: long, patchId: '7', payload, buildTime: 0 });
    expect(out.subarray(88, 129).toString('latin1')).toBe(`${'ab'.repeat(20)}\0`);
  });

  it.each([['', 'KPATCH_BAD_ID'], ['12345678', 'KPATCH_BAD_ID'], ['a b', 'KPATCH_BAD_ID']])('refuses patch id "%s"', (id, code) => {
    expect(() => makeKpatch({ buildId, patchId: id, payload })).toThrow(expect.objectContaining({ code }));
  });

  it('refuses a non-hex build id and a non-ELF payload', () => {
    expect(() => makeKpatch({ buildId: 'xyz', patchId: '1', payload })).toThrow(expect.objectContaining({ code: 'KPATCH_BAD_BUILDID' }));
    expect(() => makeKpatch({ buildId, patchId: '1', payload: Buffer.from('hello') })).toThrow(expect.objectContaining({ code: 'KPATCH_BAD_ELF' }));
  });
});

describe('kpatch header encoding', () => {
  const h: KpatchHeader = {
    magic: 'KPATCH1', id: 'abc', flags: 1, safety_method: 2, modulename: 'mod', buildid: 'ff00', build_time: 2 ** 40 + 5,
    csum: 3, nr_reloc: 4, kpatch_offset: 504, rel_offset: 508, total_size: 9999, jmp_offset: 11, elf_offset: 4096,
    kpatch_total_mem_sz: 2 ** 33, user_undo: 21, user_info: 22, user_level: 23,
  };

  it('puts every field at its offset of reference §1.2 and decodes it back', () => {
    const b = encodeKpatchHeader(h);
    expect(b.length).toBe(KPATCH_HEADER_SIZE);
    expect([b[16], b[17], b.toString('latin1', 24, 27), b.toString('latin1', 88, 92)]).toEqual([1, 2, 'mod', 'ff00']);
    expect([b.readUInt32LE(144), b.readUInt32LE(148), b.readUInt32LE(164), b.readUInt32LE(168)]).toEqual([3, 4, 11, 4096]);
    expect([b.readBigUInt64LE(176), b.readUInt32LE(184), b.readUInt32LE(188), b.readUInt32LE(192)]).toEqual([2n ** 33n, 21, 22, 23]);
    expect(b.subarray(248).every((x) => x === 0)).toBe(true);
    expect(decodeKpatchHeader(b)).toEqual(h);
  });

  it('refuses too short buffers and over-long strings', () => {
    const err = (() => { try { decodeKpatchHeader(Buffer.alloc(503), 'p.kpatch'); } catch (e) { return e; } })();
    expect(isTscareError(err) && err.code).toBe('KPATCH_TRUNCATED');
    expect(() => encodeKpatchHeader({ ...h, id: '12345678' })).toThrow(expect.objectContaining({ code: 'KPATCH_BAD_HEADER' }));
    expect(() => encodeKpatchHeader({ ...h, buildid: 'a'.repeat(41) })).toThrow(expect.objectContaining({ code: 'KPATCH_BAD_HEADER' }));
  });
});
