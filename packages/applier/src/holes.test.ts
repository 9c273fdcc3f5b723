import fs from 'node:fs';
import { findObjects } from './objects.js';
import { findHole, freeRanges, JUMP_RANGE, PAGE } from './holes.js';
import { readMaps, type Vma } from './proc-maps.js';

function vma(start: number, end: number): Vma {
  return { start, end, perms: 'r-xp', offset: 0, dev: '00:00', inode: 0, name: '', range: '' };
}

describe('findHole', () => {
  test('in this process: a free, page-aligned range right after the node binary, in jump range', () => {
    const maps = readMaps(process.pid);
    const object = findObjects(process.pid, maps).find((o) => o.path === fs.realpathSync(process.execPath))!;
    const size = 3 * PAGE;
    let addr: number;
    try {
      addr = findHole(maps, object, size, 'node');
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${maps.map((v) => `${v.range} ${v.name}`).join('\n')}`);
    }
    expect(addr % PAGE).toBe(0);
    // Free, with a guard page on each side.
    expect(maps.some((v) => v.start < addr + size + PAGE && v.end > addr - PAGE)).toBe(false);
    expect(Math.max(object.end, addr + size) - Math.min(object.start, addr)).toBeLessThan(JUMP_RANGE);
  });

  test('prefers the nearest side and keeps guard pages', () => {
    const maps = [vma(0x10000, 0x200000), vma(0x205000, 0x300000), vma(0x400000, 0x500000), vma(0x500000, 0x7ffffffff000)];
    expect(freeRanges(maps)).toEqual([{ start: 0x201000, end: 0x204000 }, { start: 0x301000, end: 0x3ff000 }]);
    // The 3-page gap after the object only fits a smaller patch; the next one fits a bigger one.
    expect(findHole(maps, { start: 0x10000, end: 0x200000 }, 2 * PAGE, 'x')).toBe(0x201000);
    expect(findHole(maps, { start: 0x10000, end: 0x200000 }, 8 * PAGE, 'x')).toBe(0x301000);
    // Left of an object the patch is placed at the top of the gap, next to the object.
    expect(findHole(maps, { start: 0x400000, end: 0x500000 }, 16 * PAGE, 'x')).toBe(0x3ff000 - 16 * PAGE);
  });

  test('no range within ±2 GiB is an error, never a far placement', () => {
    const maps = [vma(0x10000, 0x100000000), vma(0x100002000, 0x200000000)];
    expect(() => findHole(maps, { start: 0x100002000, end: 0x200000000 }, PAGE, 'big.so'))
      .toThrow(expect.objectContaining({ code: 'NO_HOLE_IN_RANGE', message: expect.stringContaining('big.so') }));
  });
});
