import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRpmbuild } from './rpm-build.js';
import { RPM_MACROS_PATH } from './rpm-spec.js';

test('a topdir with a space is refused before rpmbuild runs (its rm -rf of the buildroot is unquoted)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tscare-rpmb-'));
  try {
    await expect(runRpmbuild({ spec: join(dir, 'x.spec'), topdir: join(dir, 'rpm top'), sourcedir: dir, macros: RPM_MACROS_PATH })).rejects.toMatchObject({
      code: 'RPM_BAD_PATH',
      message: `rpmbuild cannot work with a path containing white space: "${join(dir, 'rpm top')}"`,
    });
    expect(readdirSync(dir)).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
