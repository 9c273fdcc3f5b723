/** Helpers for the tests that run the built wrapper against the real gcc. Test-only. */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(root, 'cc-wrapper/dist/cli.js');
export const CLI_CXX = join(root, 'cc-wrapper/dist/cli-cxx.js');
/** The installed command (a symlink to CLI), for programs that exec it directly. */
export const BIN_CC = join(root, 'bin/tscare-cc');
export const HELLO = join(root, 'examples/hello');

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command in `cwd` with `env` on top of a clean environment (no stage leaks in). */
export function run(cmd: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): Run {
  const base = { ...process.env };
  for (const k of ['TSCARE_STAGE', 'KPATCH_STAGE', 'TSCARE_LOG', 'TSCARE_REAL_CC', 'TSCARE_REAL_CXX']) delete base[k];
  const r = spawnSync(cmd, args, { cwd, env: { ...base, ...env }, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function wrapper(args: readonly string[], cwd: string, env: Record<string, string> = {}, cli = CLI): Run {
  return run(process.execPath, [cli, ...args], cwd, env);
}

/** Succeeds or throws with the command's stderr. */
export function ok(r: Run): Run {
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
  return r;
}

export function buildId(cwd: string, file: string): string {
  const out = ok(run('readelf', ['-n', file], cwd)).stdout;
  const m = /Build ID: ([0-9a-f]+)/.exec(out);
  if (m === null) throw new Error(`no build id in ${file}`);
  return m[1];
}

export function sectionNames(cwd: string, file: string): string[] {
  const out = ok(run('readelf', ['-SW', file], cwd)).stdout;
  return [...out.matchAll(/^\s*\[\s*\d+\]\s+(\S+)/gm)].map((m) => m[1]);
}

/** A fresh copy of examples/hello under the system temp dir; never build inside the repo. */
export function helloCopy(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tscare-cc-'));
  cpSync(HELLO, dir, { recursive: true });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
