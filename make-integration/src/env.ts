/**
 * The one place where tscare-patch-make reads its environment: the three output
 * directories (LibcarePlus's names) and the environment handed to make.
 */
import { resolve } from 'node:path';

export interface PatchMakeDirs {
  /** `make install` of the original build (LPMAKE_ORIGINAL_DIR, default ./lpmake). */
  original: string;
  /** `make install` of the patched build (LPMAKE_PATCHED_DIR, default ./.lpmaketmp/patched). */
  patched: string;
  /** Where `<build-id>.kpatch` files go (LPMAKE_PATCHROOT, default ./patchroot). */
  patchroot: string;
  /** Scratch: backups of patched sources, logs, intermediate ELF files. */
  tmp: string;
}

export interface PatchMakeEnv {
  dirs: PatchMakeDirs;
  /** The environment make runs with, before the stage variables are added. */
  makeEnv: Record<string, string>;
  /** TSCARE_LOG as the user set it; when unset tscare-patch-make logs to .lpmaketmp/cc.log. */
  ccLog: string;
}

/** Variables a parent make would pass down; a fresh top-level make must not inherit them. */
const DROPPED = ['MAKEFLAGS', 'MAKELEVEL', 'MFLAGS', 'TSCARE_STAGE', 'KPATCH_STAGE'];

export function readPatchMakeEnv(env: NodeJS.ProcessEnv, cwd: string): PatchMakeEnv {
  const tmp = resolve(cwd, '.lpmaketmp');
  const dir = (name: string, fallback: string) => resolve(cwd, nonEmpty(env[name]) ?? fallback);
  const makeEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !DROPPED.includes(k)) makeEnv[k] = v;
  return {
    dirs: {
      original: dir('LPMAKE_ORIGINAL_DIR', 'lpmake'),
      patched: dir('LPMAKE_PATCHED_DIR', '.lpmaketmp/patched'),
      patchroot: dir('LPMAKE_PATCHROOT', 'patchroot'),
      tmp,
    },
    makeEnv,
    // Absolute: the wrapper runs in every directory a recursive make enters.
    ccLog: resolve(cwd, nonEmpty(env.TSCARE_LOG) ?? resolve(tmp, 'cc.log')),
  };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
