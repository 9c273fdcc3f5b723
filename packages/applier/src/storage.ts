/**
 * Where patches come from: one `.kpatch` file (keyed by its header build id) or a storage
 * directory with `BUILDID/latest/kpatch.bin` (level = the `latest` link text) or `BUILDID.kpatch`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TscareError } from '@tscare/errors';
import { readKpatchFile, type KpatchFile } from '@tscare/kpatch';

export interface FoundPatch {
  kp: KpatchFile;
  level: number;
}

export type Storage =
  | { kind: 'file'; path: string; patch: FoundPatch }
  | { kind: 'dir'; path: string };

export function openStorage(p: string): Storage {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (e) {
    throw new TscareError('STORAGE_NOT_FOUND', `patch storage ${p} does not exist`, { cause: e, hint: 'pass a .kpatch file or a storage directory' });
  }
  if (st.isDirectory()) return { kind: 'dir', path: p };
  return { kind: 'file', path: p, patch: { kp: readKpatchFile(p), level: 0 } };
}

function exists(p: string): boolean {
  try {
    fs.accessSync(p);
    return true;
  } catch {
    return false;
  }
}

/** The patch for one build id (40 hex chars), or undefined when storage has none. */
export function lookupPatch(storage: Storage, buildIdKey: string): FoundPatch | undefined {
  if (storage.kind === 'file') return storage.patch.kp.header.buildid === buildIdKey ? storage.patch : undefined;
  const latest = path.join(storage.path, buildIdKey, 'latest');
  const bin = path.join(latest, 'kpatch.bin');
  if (exists(bin)) {
    const link = fs.readlinkSync(latest);
    const level = Number.parseInt(link, 10);
    if (!Number.isInteger(level)) {
      throw new TscareError('STORAGE_BAD_LEVEL', `${latest} points to "${link}", not a patch level number`, { hint: 'make latest a symlink to the level directory, e.g. latest -> 1' });
    }
    return { kp: readKpatchFile(bin), level };
  }
  const flat = path.join(storage.path, `${buildIdKey}.kpatch`);
  return exists(flat) ? { kp: readKpatchFile(flat), level: 0 } : undefined;
}
