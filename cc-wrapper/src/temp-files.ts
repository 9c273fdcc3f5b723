/**
 * Intermediate files under `make -j`: two jobs may write the same name at the same time
 * (one source linked into two programs, a target rebuilt by two sub-makes). Each writer
 * uses its own temporary name and renames it into place, so a reader never sees a
 * half-written file and the last complete one wins.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * A name next to `path` (same directory, so the rename is atomic) that no other job uses:
 * the pid tells concurrent writers apart, the clock successive names of one process.
 * (Not node:crypto's random bytes: loading crypto costs ~5 ms of every wrapper call.)
 */
export function tempNameFor(path: string): string {
  return `${path}.tmp-${process.pid}-${process.hrtime.bigint().toString(36)}`;
}

/** Runs `write(temp)`; on success renames temp to `path`, on failure removes it. */
export function writeAtomically<T>(path: string, write: (temp: string) => T, succeeded: (result: T) => boolean = () => true): T {
  const temp = tempNameFor(path);
  let result: T;
  try {
    result = write(temp);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
  if (succeeded(result)) renameSync(temp, path);
  else rmSync(temp, { force: true });
  return result;
}

export function writeTextAtomically(path: string, text: string): void {
  writeAtomically(path, (temp) => writeFileSync(temp, text));
}
