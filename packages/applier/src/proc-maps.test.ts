import fs from 'node:fs';
import { parseMaps, readMaps } from './proc-maps.js';

test('readMaps parses this process\'s maps, including the node binary and the stack', () => {
  const maps = readMaps(process.pid);
  const exe = fs.realpathSync(process.execPath);
  const own = maps.filter((v) => v.name === exe);
  expect(own.length).toBeGreaterThan(0);
  expect(own[0].offset).toBe(0);
  expect(own.some((v) => v.perms.startsWith('r-x'))).toBe(true);
  expect(maps.find((v) => v.name === '[stack]')?.perms).toBe('rw-p');
  for (const v of maps) expect(v.range).toBe(`${v.start.toString(16).padStart(8, '0')}-${v.end.toString(16).padStart(8, '0')}`);
});

test('parseMaps keeps " (deleted)" and anonymous names, and rejects garbage', () => {
  const [a, b] = parseMaps('55d0c1a00000-55d0c1a01000 r-xp 00001000 08:01 1234   /tmp/x (deleted)\n7f0000000000-7f0000003000 rw-p 00000000 00:00 0 \n');
  expect(a).toMatchObject({ start: 0x55d0c1a00000, end: 0x55d0c1a01000, perms: 'r-xp', offset: 0x1000, inode: 1234, name: '/tmp/x (deleted)' });
  expect(b).toMatchObject({ inode: 0, name: '' });
  expect(() => parseMaps('not a maps line')).toThrow(expect.objectContaining({ code: 'PROC_MAPS_PARSE' }));
});
