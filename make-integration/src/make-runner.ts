/**
 * Runs make for one step, its output appended to the build log. make runs in its own
 * process group so that an interruption can stop it with everything it started.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { TscareError } from '@tscare/errors';

/** A make that ignores SIGTERM this long is killed. */
const FORCE_KILL_MS = 5000;

export interface MakeSetup {
  /** The make program (tscare.toml's make.command, default make). */
  command: string;
  cwd: string;
  env: Record<string, string>;
  logFile: string;
  jobs: number | undefined;
  signal: AbortSignal;
}

/** LibcarePlus's convention: a project may provide a dedicated `lpmakefile`. */
export function makefileArgs(cwd: string): string[] {
  return existsSync(join(cwd, 'lpmakefile')) ? ['-f', 'lpmakefile'] : [];
}

export async function runMake(setup: MakeSetup, step: string, args: readonly string[], extraEnv: Record<string, string>): Promise<void> {
  if (setup.signal.aborted) throw interrupted(step);
  const argv = [...makefileArgs(setup.cwd), ...(setup.jobs === undefined ? [] : [`-j${setup.jobs}`]), ...args];
  appendFileSync(setup.logFile, `\n=== ${step}: ${setup.command} ${argv.join(' ')}\n`);
  const child = execa(setup.command, argv, {
    cwd: setup.cwd,
    env: { ...setup.env, ...extraEnv },
    extendEnv: false,
    stdin: 'ignore',
    stdout: { file: setup.logFile, append: true },
    stderr: { file: setup.logFile, append: true },
    detached: true,
    reject: false,
  });
  const killGroup = (sig: NodeJS.Signals) => {
    // The whole group: make, the shells it started, the compilers.
    try {
      if (child.pid !== undefined) process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  const stop = () => {
    killGroup('SIGTERM');
    setTimeout(() => killGroup('SIGKILL'), FORCE_KILL_MS).unref();
  };
  setup.signal.addEventListener('abort', stop, { once: true });
  try {
    const result = await child;
    if (setup.signal.aborted) throw interrupted(step);
    if (result.failed) {
      const why = result.exitCode !== undefined ? `exit code ${result.exitCode}` : result.signal ?? result.shortMessage;
      throw new TscareError('PATCHMAKE_MAKE_FAILED', `${step} failed (${setup.command} ${argv.join(' ')}: ${why})\n${tail(setup.logFile, 15)}`, {
        hint: `the full log is ${setup.logFile}`,
      });
    }
  } finally {
    setup.signal.removeEventListener('abort', stop);
  }
}

function interrupted(step: string): TscareError {
  return new TscareError('PATCHMAKE_INTERRUPTED', `interrupted during ${step}`);
}

function tail(file: string, lines: number): string {
  const text = readFileSync(file, 'utf8').trimEnd().split('\n');
  return text.slice(-lines).map((l) => `  | ${l}`).join('\n');
}
