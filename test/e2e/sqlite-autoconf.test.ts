/**
 * A real autoconf-style project: SQLite's autoconf tarball (from the `sqlite3` npm
 * package, fetched at test time), `./configure CC=tscare-cc` with its conftests passing
 * through, `tscare-patch-make` with a one-function fix in sqlite3.c, and the running
 * `sqlite3` shell, holding an open database, patched between two queries.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readelfBuildId } from '../support/flows.js';
import { repoRoot, tool } from '../support/paths.js';
import { run, runOk } from '../support/run.js';

const PACKAGE = 'sqlite3@6.0.1';
const TARBALL = 'package/deps/sqlite-autoconf-3520000.tar.gz';
const FIX = path.join(repoRoot, 'test/cases/_sqlite-autoconf/fix-abs-overflow.patch');
const QUERY = 'SELECT abs(-9223372036854775808);';
const FIXED = '9.2233720368547758e+18';

let workDir: string;
let srcDir: string;
let shell: SqliteShell | undefined;
const timings: string[] = [];

/** Runs `step`, noting how long it took for the summary printed at the end. */
function timed<T>(name: string, step: () => T): T {
  const start = Date.now();
  try {
    return step();
  } finally {
    timings.push(`${name} ${((Date.now() - start) / 1000).toFixed(1)} s`);
  }
}

/** The npm tarball in $TMPDIR/tscare-cache, fetched once; a failure stops the test loudly. */
function cachedPackage(): string {
  const cache = path.join(os.tmpdir(), 'tscare-cache');
  const file = path.join(cache, 'sqlite3-6.0.1.tgz');
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(cache, { recursive: true });
  const r = run('npm', ['pack', PACKAGE, '--pack-destination', cache]);
  if (r.code !== 0 || !fs.existsSync(file)) {
    throw new Error(`cannot fetch ${PACKAGE} (the SQLite autoconf sources) with npm pack into ${cache}:\n${r.stderr}`);
  }
  return file;
}

/**
 * The built shell reading SQL from a FIFO that the test keeps open, so the process lives
 * between queries. Started through `setsid sh` so it is not a child of the jest worker
 * (see test/support/target-process.ts).
 */
class SqliteShell {
  private constructor(readonly pid: number, private readonly fifoFd: number, private readonly outputPath: string) {}

  static start(program: string, libDir: string, database: string, dir: string): SqliteShell {
    const fifo = path.join(dir, 'sql.fifo');
    const outputPath = path.join(dir, 'sqlite3.out');
    execFileSync('mkfifo', [fifo]);
    // Read-write: opening never blocks, and the shell never sees end-of-file meanwhile.
    const fifoFd = fs.openSync(fifo, 'r+');
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    // LD_LIBRARY_PATH: the system has its own libsqlite3.so.0; the test needs the one just built.
    const command = `env LD_LIBRARY_PATH=${q(libDir)} ${q(program)} -batch ${q(database)} < ${q(fifo)} > ${q(outputPath)} 2>&1 & echo $!`;
    const pid = Number(execFileSync('setsid', ['sh', '-c', command], { encoding: 'utf8' }).trim());
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`could not start ${program}`);
    return new SqliteShell(pid, fifoFd, outputPath);
  }

  lines(): string[] {
    const text = fs.existsSync(this.outputPath) ? fs.readFileSync(this.outputPath, 'utf8') : '';
    return text.split('\n').filter((l) => l.length > 0);
  }

  isAlive(): boolean {
    try {
      const stat = fs.readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
    } catch {
      return false;
    }
  }

  /** Sends SQL and returns the `count` lines it prints; fails with the output if they do not come. */
  async query(sql: string, count: number): Promise<string[]> {
    const from = this.lines().length;
    fs.writeSync(this.fifoFd, `${sql}\n`);
    const deadline = Date.now() + 10000;
    for (;;) {
      const all = this.lines();
      if (all.length >= from + count) return all.slice(from, from + count);
      if (!this.isAlive() || Date.now() > deadline) {
        throw new Error(`sqlite3 (pid ${this.pid}, ${this.isAlive() ? 'alive' : 'dead'}) printed no ${count} line(s) for ${sql}:\n${all.join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  stop(): void {
    fs.closeSync(this.fifoFd);
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscare-e2e-sqlite-'));
  const npmTarball = timed('fetch', cachedPackage);
  runOk('tar', ['xzf', npmTarball, '-C', workDir, TARBALL]);
  // As root, tar would keep the tarball's owner (uid 1000) and group-writable modes, and
  // tscare-ctl rightly refuses a patchroot that someone else could change: unpack as a
  // packager's build would, owned by us with our umask.
  runOk('tar', ['xzf', path.join(workDir, TARBALL), '-C', workDir, '--no-same-owner', '--no-same-permissions']);
  srcDir = path.join(workDir, 'sqlite-autoconf-3520000');
}, 300000);

afterAll(() => {
  shell?.stop();
  fs.rmSync(workDir, { recursive: true, force: true });
  process.stdout.write(`sqlite-autoconf timings: ${timings.join(', ')}\n`);
});

test('./configure CC=tscare-cc: every conftest goes to gcc unchanged', () => {
  const log = path.join(workDir, 'configure-cc.log');
  const env: NodeJS.ProcessEnv = { ...process.env, TSCARE_LOG: log };
  for (const k of ['TSCARE_STAGE', 'KPATCH_STAGE']) delete env[k];
  // -O2 as a distribution builds it; only the library and a shell linked to it (no .a).
  const args = [`CC=${tool('tscare-cc')}`, 'CFLAGS=-O2', '--disable-static', '--disable-static-shell'];
  timed('configure', () => runOk('./configure', args, { cwd: srcDir, env }));
  const calls = fs.readFileSync(log, 'utf8').trim().split('\n');
  expect(calls.length).toBeGreaterThan(5);
  expect(calls.filter((l) => !l.includes(': pass-through (no TSCARE_STAGE/KPATCH_STAGE set) :: '))).toEqual([]);
  expect(fs.readFileSync(path.join(srcDir, 'Makefile'), 'utf8')).toContain(`CC = ${tool('tscare-cc')}\n`);
}, 300000);

test('tscare-patch-make -j2 builds both trees and one .kpatch, for libsqlite3.so', () => {
  const before = fs.readFileSync(path.join(srcDir, 'sqlite3.c'));
  const r = timed('tscare-patch-make', () => runOk(tool('tscare-patch-make'), ['-j2', '-i', '0001', FIX], { cwd: srcDir }));
  const lib = path.join(srcDir, 'lpmake/usr/local/lib/libsqlite3.so.3.52.0');
  const kpatch = `${readelfBuildId(lib)}.kpatch`;
  expect(fs.readdirSync(path.join(srcDir, 'patchroot'))).toEqual([kpatch]);
  expect(r.stdout).toContain(`patch for ${lib} is in ${path.join(srcDir, 'patchroot', kpatch)}`);
  expect(r.stderr).toContain(`no change in ${path.join(srcDir, 'lpmake/usr/local/bin/sqlite3')}`);
  expect(fs.readFileSync(path.join(srcDir, 'sqlite3.c')).equals(before)).toBe(true);
  expect(fs.readFileSync(path.join(srcDir, '.lpmaketmp/cc.log'), 'utf8')).toMatch(/patched compile \S+\/sqlite3\.c -> sqlite3\.o exit 0; \S+: merged \(changed: absFunc\)/);
}, 300000);

test('the running sqlite3 shell with an open database: old result, patched, new result, unpatched', async () => {
  const root = path.join(srcDir, 'lpmake/usr/local');
  const database = path.join(workDir, 'live.db');
  shell = SqliteShell.start(path.join(root, 'bin/sqlite3'), path.join(root, 'lib'), database, workDir);
  const pid = String(shell.pid);
  await shell.query("CREATE TABLE t(a INTEGER, b TEXT); INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three'); SELECT count(*) FROM t;", 1);
  expect(fs.readFileSync(`/proc/${pid}/maps`, 'utf8')).toContain(path.join(root, 'lib/libsqlite3.so.3.52.0'));
  expect(fs.readdirSync(`/proc/${pid}/fd`).map((fd) => fs.readlinkSync(`/proc/${pid}/fd/${fd}`))).toContain(database);

  expect(await shell.query(QUERY, 1)).toEqual([expect.stringMatching(/^Error near line \d+: integer overflow$/)]);

  const patch = timed('tscare-ctl patch', () => runOk(tool('tscare-ctl'), ['patch', '-p', pid, path.join(srcDir, 'patchroot')]));
  expect(patch.stdout).toContain(`1 patch hunk(s) have been successfully applied to PID '${pid}'`);
  const after = await shell.query([QUERY, "INSERT INTO t VALUES (4, 'four');", 'SELECT count(*), sum(a), group_concat(b) FROM t;', 'PRAGMA integrity_check;'].join('\n'), 3);
  expect(after).toEqual([FIXED, '4|10|one,two,three,four', 'ok']);
  expect(after.join('\n')).not.toContain('integer overflow');
  expect(shell.isAlive()).toBe(true);

  const unpatch = runOk(tool('tscare-ctl'), ['unpatch', '-p', pid, '-i', '0001']);
  expect(unpatch.stdout).toContain(`1 patch hunk(s) were successfully cancelled from PID '${pid}'`);
  // One statement a line: after an error the shell skips the rest of that line's input.
  const restored = await shell.query([QUERY, 'SELECT count(*) FROM t;'].join('\n'), 2);
  expect(restored).toEqual([expect.stringMatching(/^Error near line \d+: integer overflow$/), '4']);
  expect(restored).not.toContain(FIXED);
  expect(shell.isAlive()).toBe(true);
}, 60000);
