import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SourceBackup } from './source-backup.js';
import type { FileChange } from './patch-set.js';

let dir: string;
const latin1 = 'caf\xe9 \xff\n';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tscare-backup-'));
  writeFileSync(join(dir, 'a.c'), latin1, 'latin1');
  writeFileSync(join(dir, 'gone.c'), 'int gone;\n', { mode: 0o640 });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const changes: FileChange[] = [
  { rel: 'a.c', before: latin1, after: 'patched\n', mode: 0o644 },
  { rel: 'gone.c', before: 'int gone;\n', after: null, mode: 0o640 },
  { rel: 'new/dir/b.c', before: null, after: 'int b;\n', mode: 0o644 },
];

function snapshot(): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => !f.startsWith('.lpmaketmp'))
    .sort()
    .map((f) => (statSync(join(dir, f)).isFile() ? `${f} ${statSync(join(dir, f)).mode.toString(8)} ${readFileSync(join(dir, f)).toString('hex')}` : f));
}

test('apply writes the patched tree; restore puts back the exact bytes, modes, and removes new files', () => {
  const before = snapshot();
  const backup = new SourceBackup(dir, join(dir, '.lpmaketmp'));
  backup.apply(changes);
  expect(readFileSync(join(dir, 'a.c'), 'utf8')).toBe('patched\n');
  expect(existsSync(join(dir, 'gone.c'))).toBe(false);
  expect(readFileSync(join(dir, 'new/dir/b.c'), 'utf8')).toBe('int b;\n');
  expect(backup.restore()).toEqual(['a.c', 'gone.c', 'new/dir/b.c']);
  expect(snapshot()).toEqual(before);
  expect(existsSync(join(dir, '.lpmaketmp/backup'))).toBe(false);
});

test('a run that died after apply is repaired by the next run from the disk backup', () => {
  const before = snapshot();
  new SourceBackup(dir, join(dir, '.lpmaketmp')).apply(changes);
  expect(snapshot()).not.toEqual(before);
  const next = new SourceBackup(dir, join(dir, '.lpmaketmp'));
  expect(next.restoreLeftover()).toEqual(['a.c', 'gone.c', 'new/dir/b.c']);
  expect(snapshot()).toEqual(before);
  expect(next.restoreLeftover()).toEqual([]);
});
