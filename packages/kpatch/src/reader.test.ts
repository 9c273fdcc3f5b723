import { writeFileSync } from 'node:fs';
import { isTscareError } from '@tscare/errors';
import { SHT_PROGBITS } from '@tscare/elf';
import { buildKpatch } from './build.js';
import { formatInfo } from './format-info.js';
import { parseKpatch, readKpatchFile } from './reader.js';
import { buildFooPair, makeScratch, type Scratch } from './testing/toolchain.js';

let s: Scratch;
let good: Buffer;

beforeAll(async () => {
  s = makeScratch();
  const pair = buildFooPair(s);
  const r = await buildKpatch({ original: pair.orig, patched: pair.patched, patchId: '0001' });
  if (r.kind !== 'built') throw new Error(r.reason);
  good = r.bytes;
});
afterAll(() => s.cleanup());

function codeOf(data: Buffer): string {
  try {
    parseKpatch(data, 'bad.kpatch');
    return 'accepted';
  } catch (e) {
    if (isTscareError(e)) return e.code;
    throw e;
  }
}

/** A copy of the good file with `edit` applied; `shdr(name)` gives the file offset of a section header. */
function mutate(edit: (b: Buffer, shdr: (name: string) => number) => void): Buffer {
  const b = Buffer.from(good);
  const kp = parseKpatch(good, 'good');
  const shdr = (name: string) => 504 + kp.elf.header.e_shoff + kp.elf.sectionByName(name)!.index * 64;
  edit(b, shdr);
  return b;
}

/** Small deterministic PRNG (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('parseKpatch', () => {
  it('accepts a built file and reads it back from disk', () => {
    const path = s.write('ok.kpatch', good);
    const kp = readKpatchFile(path);
    expect([kp.header.id, kp.infoCount, kp.infoSection.name, kp.data.length]).toEqual(['0001', 1, '.kpatch.info', good.length]);
    expect(kp.elf.data.length).toBe(kp.header.total_size - 504);
  });

  it.each([
    ['shorter than the header', (b: Buffer) => b.subarray(0, 503), 'KPATCH_TRUNCATED'],
    ['cut inside the ELF', (b: Buffer) => b.subarray(0, 1000), 'KPATCH_TRUNCATED'],
    ['wrong magic', (b: Buffer) => { b[6] = 0x32; return b; }, 'KPATCH_BAD_MAGIC'],
    ['magic without its NUL', (b: Buffer) => { b[7] = 0x20; return b; }, 'KPATCH_BAD_MAGIC'],
    ['its ELF moved to 688', (b: Buffer) => { b.writeUInt32LE(688, 152); return b; }, 'KPATCH_BAD_ELF'],
    ['an upstream libcare header', (b: Buffer) => { b.fill(0, 8, 504); b.writeUInt32LE(688, 352); b.writeUInt32LE(b.length, 360); return b; }, 'KPATCH_UPSTREAM_FORMAT'],
    ['zero kpatch_offset', (b: Buffer) => { b.writeUInt32LE(0, 152); return b; }, 'KPATCH_BAD_OFFSET'],
    ['unaligned kpatch_offset', (b: Buffer) => { b.writeUInt32LE(505, 152); return b; }, 'KPATCH_BAD_OFFSET'],
    ['kpatch_offset past the end', (b: Buffer) => { b.writeUInt32LE(b.length - 8, 152); return b; }, 'KPATCH_BAD_OFFSET'],
    ['empty id', (b: Buffer) => { b.fill(0, 8, 16); return b; }, 'KPATCH_BAD_ID'],
    ['id with 8 characters', (b: Buffer) => { b.write('ABCDEFGH', 8, 'latin1'); return b; }, 'KPATCH_BAD_ID'],
    ['non-hex build id', (b: Buffer) => { b.write('zz', 88, 'latin1'); return b; }, 'KPATCH_BAD_BUILDID'],
    ['no ELF magic at 504', (b: Buffer) => { b[505] = 0; return b; }, 'KPATCH_BAD_ELF'],
    ['payload not ET_REL', (b: Buffer) => { b.writeUInt16LE(2, 504 + 16); return b; }, 'KPATCH_BAD_ELF'],
  ])('refuses a file with %s', (_what, edit, code) => {
    expect(codeOf(edit(Buffer.from(good)))).toBe(code);
  });

  it('refuses bad section tables, symbols and relocations', () => {
    expect(codeOf(mutate((b) => b.writeUInt16LE(40, 504 + 58)))).toBe('KPATCH_BAD_ELF'); // e_shentsize
    expect(codeOf(mutate((b) => { b[504 + 40 + 5] ^= 0x10; }))).toBe('KPATCH_BAD_ELF'); // bit flip in e_shoff
    expect(codeOf(mutate((b, shdr) => b.writeUInt32LE(SHT_PROGBITS, shdr('.symtab') + 4)))).toBe('KPATCH_BAD_ELF');
    expect(codeOf(mutate((b, shdr) => { const off = 504 + Number(b.readBigUInt64LE(shdr('.rela.kpatch.text') + 24)); b.writeBigUInt64LE(0x1000n, off); }))).toBe('KPATCH_BAD_ELF');
    expect(codeOf(mutate((b, shdr) => { const off = 504 + Number(b.readBigUInt64LE(shdr('.rela.kpatch.text') + 24)); b.writeUInt32LE(999, off + 12); }))).toBe('KPATCH_BAD_ELF');
    expect(codeOf(mutate((b, shdr) => { const off = 504 + Number(b.readBigUInt64LE(shdr('.symtab') + 24)); b.writeUInt16LE(900, off + 24 * 7 + 6); }))).toBe('KPATCH_BAD_ELF');
  });

  it('refuses a bad .kpatch.info', () => {
    expect(codeOf(mutate((b, shdr) => b.writeBigUInt64LE(48n + 24n + 8n, shdr('.kpatch.info') + 32)))).toBe('KPATCH_BAD_INFO');
    expect(codeOf(mutate((b, shdr) => b.writeBigUInt64LE(48n, shdr('.kpatch.info') + 32)))).toBe('KPATCH_BAD_INFO');
    expect(codeOf(mutate((b, shdr) => { b[504 + Number(b.readBigUInt64LE(shdr('.kpatch.info') + 24)) + 48 + 3] = 1; }))).toBe('KPATCH_BAD_INFO');
    expect(codeOf(mutate((b, shdr) => { b.writeUInt32LE(0, 504 + Number(b.readBigUInt64LE(shdr('.kpatch.info') + 24)) + 20); }))).toBe('KPATCH_BAD_INFO');
    // rename the section: ".kpatch.info" -> ".kpatch.infx"
    expect(codeOf(mutate((b, shdr) => {
      const strOff = 504 + Number(b.readBigUInt64LE(shdr('.shstrtab') + 24)) + b.readUInt32LE(shdr('.kpatch.info'));
      b.write('x', strOff + '.kpatch.inf'.length, 'latin1');
    }))).toBe('KPATCH_BAD_INFO');
  });

  it('prints any build_time, even one no Date can hold', () => {
    const b = Buffer.from(good);
    b.writeBigUInt64LE(2n ** 52n, 136);
    expect(formatInfo(parseKpatch(b, 'late.kpatch'))).toMatch(new RegExp(`build_time: +${2 ** 52}\n`));
  });

  it('names the file and says what to do', () => {
    const b = Buffer.from(good);
    b[0] = 0;
    expect(() => parseKpatch(b, '/srv/p/abc.kpatch')).toThrow(/\/srv\/p\/abc\.kpatch/);
    try { parseKpatch(b, 'x'); } catch (e) { expect(isTscareError(e) && e.hint).toBeTruthy(); }
  });

  it('only ever throws TscareErrors on random truncations and mutations', () => {
    const next = rng(20260425);
    const seen = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const b = Buffer.from(good);
      const cut = i % 2 === 0 ? Math.floor(next() * good.length) : good.length;
      for (let k = 1 + Math.floor(next() * 4); k > 0; k--) {
        // Half of the mutations hit the header and the ELF's own tables, where they matter most.
        const region = next() < 0.5 ? 504 + Math.floor(next() * 64) : Math.floor(next() * b.length);
        b[region] ^= 1 << Math.floor(next() * 8);
      }
      const data = b.subarray(0, cut);
      try {
        // What the reader accepts must also be printable by `info` without a crash.
        formatInfo(parseKpatch(data, `mutant-${i}`));
        seen.add('accepted');
      } catch (e) {
        if (!isTscareError(e)) {
          writeFileSync(s.path(`mutant-${i}.kpatch`), data);
          throw new Error(`mutant ${i} crashed the reader: ${(e as Error).stack}`);
        }
        seen.add(e.code);
      }
    }
    expect(seen.has('KPATCH_TRUNCATED')).toBe(true);
    expect(seen.size).toBeGreaterThan(3);
  });
});
