import { parseNotes } from './notes.js';
import { isTscareError } from '@tscare/errors';

function note(name: string, type: number, desc: Buffer, align: number): Buffer {
  const nameBytes = Buffer.from(`${name}\0`, 'latin1');
  const pad = (n: number) => Math.ceil(n / align) * align;
  const descOff = pad(12 + nameBytes.length);
  const buf = Buffer.alloc(pad(descOff + desc.length));
  buf.writeUInt32LE(nameBytes.length, 0);
  buf.writeUInt32LE(desc.length, 4);
  buf.writeUInt32LE(type, 8);
  nameBytes.copy(buf, 12);
  desc.copy(buf, descOff);
  return buf;
}

describe('parseNotes', () => {
  it('walks 4-byte aligned notes with odd desc sizes', () => {
    const area = Buffer.concat([note('GNU', 1, Buffer.from([1, 2, 3]), 4), note('GNU', 3, Buffer.from('abcdef0123', 'hex'), 4)]);
    const notes = parseNotes(area, 4, 'test');
    expect(notes.map((n) => [n.name, n.n_type, n.desc.toString('hex')])).toEqual([['GNU', 1, '010203'], ['GNU', 3, 'abcdef0123']]);
  });

  it('uses 8-byte padding for 8-aligned areas', () => {
    const area = Buffer.concat([note('GNU', 5, Buffer.alloc(12, 7), 8), note('GNU', 3, Buffer.from('11', 'hex'), 8)]);
    expect(parseNotes(area, 8, 'test').map((n) => n.n_type)).toEqual([5, 3]);
  });

  it('refuses a note that overruns its area', () => {
    const area = note('GNU', 3, Buffer.alloc(20), 4).subarray(0, 30);
    try {
      parseNotes(area, 4, 'f.so: section .note');
      throw new Error('not refused');
    } catch (e) {
      expect(isTscareError(e) && e.code).toBe('ELF_BAD_NOTE');
    }
  });
});
