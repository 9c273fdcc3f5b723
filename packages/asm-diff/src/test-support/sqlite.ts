/**
 * Test support: the SQLite amalgamation (`sqlite3.c`, about 9 MB of C) taken at test time
 * from the better-sqlite3 npm tarball, cached under `os.tmpdir()/tscare-cache/` between runs
 * (never committed), and the one-function fix the differ must reduce to one patched function.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PACKAGE = 'better-sqlite3@12';
const MEMBER = 'package/deps/sqlite3/sqlite3.c';

export function cacheDir(): string {
  return join(tmpdir(), 'tscare-cache');
}

function fail(what: string, e: unknown): never {
  const detail = e instanceof Error ? e.message : String(e);
  throw new Error(
    `cannot get sqlite3.c: ${what}: ${detail}\n` +
      `This test needs the npm registry (npm pack ${PACKAGE}) or a cached tarball in ${cacheDir()}.`,
  );
}

/** The cached better-sqlite3 tarball, fetched with `npm pack` when there is none. */
function tarball(): string {
  const dir = cacheDir();
  mkdirSync(dir, { recursive: true });
  const cached = readdirSync(dir).filter((n) => /^better-sqlite3-12\.[\d.]+\.tgz$/.test(n)).sort();
  if (cached.length > 0) return join(dir, cached[cached.length - 1]);
  let out: string;
  try {
    out = execFileSync('npm', ['pack', PACKAGE, '--pack-destination', dir, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    fail(`npm pack ${PACKAGE} failed`, e);
  }
  const name = (JSON.parse(out) as { filename: string }[])[0]?.filename;
  if (!name || !existsSync(join(dir, name))) fail(`npm pack ${PACKAGE} did not write a tarball`, out);
  return join(dir, name);
}

/** Path of the cached `sqlite3.c`, extracted once per tarball (atomically: tests may run side by side). */
export function sqliteSource(): string {
  const tgz = tarball();
  const target = tgz.replace(/\.tgz$/, '-sqlite3.c');
  if (existsSync(target)) return target;
  const tmp = mkdtempSync(join(cacheDir(), 'extract-'));
  try {
    execFileSync('tar', ['xzf', tgz, '-C', tmp, MEMBER], { stdio: ['ignore', 'ignore', 'pipe'] });
    renameSync(join(tmp, MEMBER), target);
  } catch (e) {
    fail(`${tgz} has no ${MEMBER}`, e);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return target;
}

/**
 * SQLite 3.50.2 fixed concat_ws() dropping the separator after a leading empty string: the
 * separator test in concatFuncCore went from "something was written" (`j>0`) to "a non-NULL
 * argument was seen" (`bNotNull`). The shipped source has the fix; the ORIGINAL is the same
 * file with the old test put back, so that the patch is exactly that one-line fix.
 */
export const ONE_FUNCTION_FIX = {
  function: 'concatFuncCore',
  fixed: 'if( bNotNull && nSep>0 ){',
  buggy: 'if( j>0 && nSep>0 ){',
} as const;

/** Writes `<dir>/orig/sqlite3.c` (before the fix) and `<dir>/patched/sqlite3.c` (the shipped file). */
export function writeFixPair(dir: string, source: string): { orig: string; patched: string } {
  const text = readFileSync(source, 'utf8');
  const hits = text.split(ONE_FUNCTION_FIX.fixed).length - 1;
  if (hits !== 1) {
    throw new Error(`${source}: expected the line '${ONE_FUNCTION_FIX.fixed}' of ${ONE_FUNCTION_FIX.function} once, found it ${hits} times (a new SQLite version? update ONE_FUNCTION_FIX)`);
  }
  const orig = join(dir, 'orig');
  const patched = join(dir, 'patched');
  mkdirSync(orig, { recursive: true });
  mkdirSync(patched, { recursive: true });
  writeFileSync(join(orig, 'sqlite3.c'), text.replace(ONE_FUNCTION_FIX.fixed, ONE_FUNCTION_FIX.buggy));
  writeFileSync(join(patched, 'sqlite3.c'), text);
  return { orig, patched };
}

/** `gcc FLAGS -S sqlite3.c` in `dir` (both stages compile a file of the same name, as a real build does). */
export function compileSqlite(dir: string, flags: readonly string[]): string {
  execFileSync('gcc', [...flags, '-S', 'sqlite3.c', '-o', 'sqlite3.s'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  return readFileSync(join(dir, 'sqlite3.s'), 'utf8');
}
