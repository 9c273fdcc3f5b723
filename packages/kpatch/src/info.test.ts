import { decodeInfoEntries, encodeInfoEntries, type KpatchInfoEntry } from './info.js';

const entries: KpatchInfoEntry[] = [
  { daddr: 0x7f0000001000, saddr: 0x7f0000200000, dlen: 32, slen: 40, symstr: 0x7f0000300000, vaddr: 0, flags: 0 },
  { daddr: 0, saddr: 0x7f0000200040, dlen: 0, slen: 12, symstr: 0x7f0000300013, vaddr: 0, flags: 0x80000000 },
];

describe('kpatch info entries', () => {
  it('encodes 48-byte entries plus a 24-byte zero terminator and decodes them back', () => {
    const buf = encodeInfoEntries(entries);
    expect(buf.length).toBe(2 * 48 + 24);
    expect([buf.readUInt32LE(16), buf.readUInt32LE(20), buf.readUInt32LE(48 + 40)]).toEqual([32, 40, 0x80000000]);
    expect(buf.subarray(96).every((b) => b === 0)).toBe(true);
    expect(decodeInfoEntries(buf)).toEqual(entries);
  });

  it('stops at the terminator even when memory continues after it', () => {
    const buf = Buffer.concat([encodeInfoEntries(entries), Buffer.alloc(48, 0xff)]);
    expect(decodeInfoEntries(buf)).toHaveLength(2);
  });

  it('does not stop at a new function, whose daddr and dlen are zero', () => {
    const buf = encodeInfoEntries([entries[1], entries[0]]);
    expect(decodeInfoEntries(buf).map((e) => e.dlen)).toEqual([0, 32]);
  });
});
