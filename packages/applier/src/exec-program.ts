/**
 * `tscare-ctl exec`: start a program and apply the storage's patches before `main` runs
 * (LibcarePlus's "startup" flavour). Nothing of the program has run at the entry point, so
 * the safety check passes at once; the normal patch path does the rest.
 */
import { patchProcess, type PatchOutcome } from './patch.js';
import { killQuietly, startAtEntry } from './start-stopped.js';
import type { Storage } from './storage.js';
import type { SysApi } from './sys.js';
import { escapedCmdline } from './target.js';

export type ExecOutcome =
  /** The program runs (patched, or with nothing applicable), detached from us. */
  | { kind: 'started'; pid: number; cmdline: string; outcome: PatchOutcome }
  /** The patch failed: the program was killed before running any code of its own. */
  | { kind: 'killed'; pid: number; cmdline: string; error: unknown };

export function execPatched(sys: SysApi, storage: Storage, program: string, args: readonly string[]): ExecOutcome {
  const pid = startAtEntry(sys, program, args);
  const cmdline = escapedCmdline(pid);
  let outcome: PatchOutcome;
  try {
    outcome = patchProcess(sys, { pid, storage });
  } catch (error) {
    // Refusing to run a program that should have been patched: it would run the old code.
    killQuietly(pid);
    return { kind: 'killed', pid, cmdline, error };
  }
  process.kill(pid, 'SIGCONT');
  return { kind: 'started', pid, cmdline, outcome };
}
