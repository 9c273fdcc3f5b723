/** runWrapper's own decisions, before any compiler runs. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runWrapper, type CallSite } from './wrapper.js';
import type { WrapperEnv } from './env.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tscare-wrapper-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function site(parentExe: string | undefined): CallSite {
  return { warn: () => undefined, readText: () => undefined, parentExe };
}

test('in a build stage, a call from ccache is refused and logged before anything runs', async () => {
  const log = join(dir, 'cc.log');
  // A compiler that does not exist: reaching it would fail differently (CC_REAL_COMPILER_FAILED).
  const env: WrapperEnv = { stage: { kind: 'build', stage: 'original' }, realCompiler: { program: join(dir, 'no-gcc'), env: {} }, logFile: log };
  await expect(runWrapper(['-E', 'foo.c'], env, site('/usr/bin/ccache'))).rejects.toMatchObject({ code: 'CC_CACHE_IN_FRONT' });
  expect(readFileSync(log, 'utf8')).toMatch(/: refused: started by \/usr\/bin\/ccache \(a cache in front of the wrapper\) :: -E foo\.c\n$/);
});

test('outside a build stage ccache in front is fine: the call passes through', async () => {
  const env: WrapperEnv = { stage: { kind: 'pass-through', reason: 'stage is configure' }, realCompiler: { program: join(dir, 'no-gcc'), env: {} }, logFile: undefined };
  await expect(runWrapper(['-c', 'foo.c'], env, site('/usr/bin/ccache'))).rejects.toMatchObject({ code: 'CC_REAL_COMPILER_FAILED' });
});
