/**
 * The `before` and `after` scripts of a storage directory, run as `<script> <pid>` around
 * applying (as libcare-ctl does). A missing script is fine; a `before` that is not
 * executable or fails stops the patch; an `after` failure is only reported. As root, a
 * script that others could change is refused (file-trust.ts).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { isTscareError, TscareError } from '@tscare/errors';
import { checkTrustedPath } from './file-trust.js';
import type { Storage } from './storage.js';

export type HookResult = { kind: 'none' } | { kind: 'ok' } | { kind: 'failed'; message: string };

export function runHook(storage: Storage, name: 'before' | 'after', pid: number): HookResult {
  if (storage.kind !== 'dir') return { kind: 'none' };
  const script = path.join(storage.path, name);
  if (!fs.existsSync(script)) return { kind: 'none' };
  try {
    fs.accessSync(script, fs.constants.X_OK);
  } catch {
    return { kind: 'failed', message: `${script} is not executable` };
  }
  // Checked again just before it runs (openStorage checked it first); after a patch is in,
  // an unsafe `after` is not run and only reported.
  try {
    checkTrustedPath(script, storage.options.trust);
  } catch (e) {
    if (name === 'before' || !isTscareError(e)) throw e;
    return { kind: 'failed', message: `${e.code}: ${e.message}` };
  }
  const r = spawnSync(script, [String(pid)], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error) return { kind: 'failed', message: `${script} could not run: ${r.error.message}` };
  if (r.status !== 0) return { kind: 'failed', message: `${script} ${pid} exited with ${r.status ?? r.signal}` };
  return { kind: 'ok' };
}

export function runBeforeHook(storage: Storage, pid: number): void {
  const r = runHook(storage, 'before', pid);
  if (r.kind === 'failed') {
    throw new TscareError('STORAGE_HOOK_FAILED', r.message, { hint: 'fix or remove the before script of the storage directory; the process was not touched' });
  }
}
