/**
 * Where patches come from: one `.kpatch` file (keyed by its header build id) or a storage
 * directory with `BUILDID/latest/kpatch.bin` (level = the `latest` link text) or `BUILDID.kpatch`.
 * Every file is read once, checked (file-trust.ts) and verified before it is used.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TscareError } from '@tscare/errors';
import { loadPublicKey, parseKpatch, SIGNATURE_SUFFIX, verifyKpatchSignature, type KpatchFile } from '@tscare/kpatch';
import type { KeyObject } from 'node:crypto';
import { checkTrustedPath, readTrusted, trustPolicyFor, type TrustPolicy } from './file-trust.js';
import { buildIdKey } from './objects.js';

export interface FoundPatch {
  kp: KpatchFile;
  level: number;
}

export interface StorageOptions {
  trust: TrustPolicy;
  /** `--require-signed`: every patch must have a `.sig` beside it made with this key. */
  signer?: { key: KeyObject; path: string };
}

export type Storage =
  | { kind: 'file'; path: string; patch: FoundPatch; options: StorageOptions }
  | { kind: 'dir'; path: string; options: StorageOptions };

/** The checks of the user running (root gets the ownership rules), and the trusted key if any. */
export function defaultStorageOptions(requireSigned?: string): StorageOptions {
  const trust = trustPolicyFor(process.geteuid?.() ?? 0);
  if (requireSigned === undefined) return { trust };
  return { trust, signer: { key: loadPublicKey(readTrusted(requireSigned, trust, 'KPATCH_BAD_KEY'), requireSigned), path: requireSigned } };
}

/** With a signer, the signature is checked on the very bytes read, before they are parsed. */
function checkSigned(p: string, data: Buffer, options: StorageOptions): void {
  if (options.signer === undefined) return;
  const sig = `${p}${SIGNATURE_SUFFIX}`;
  if (!exists(sig)) {
    throw new TscareError('PATCH_UNSIGNED', `${p} is not signed: ${sig} does not exist, and --require-signed ${options.signer.path} was given`, {
      hint: `sign it with tscare-kpatch sign -k PRIVATE-KEY ${p}; the process was not touched`,
    });
  }
  verifyKpatchSignature(data, readTrusted(sig, options.trust, 'PATCH_UNSIGNED'), options.signer.key, { kpatch: p, sig });
}

function readPatch(p: string, level: number, options: StorageOptions): FoundPatch {
  const data = readTrusted(p, options.trust, 'KPATCH_READ');
  checkSigned(p, data, options);
  return { kp: parseKpatch(data, p), level };
}

export function openStorage(p: string, options: StorageOptions = defaultStorageOptions()): Storage {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (e) {
    throw new TscareError('STORAGE_NOT_FOUND', `patch storage ${p} does not exist`, { cause: e, hint: 'pass a .kpatch file or a storage directory' });
  }
  if (!st.isDirectory()) return { kind: 'file', path: p, patch: readPatch(p, 0, options), options };
  checkTrustedPath(p, options.trust);
  // The hooks are checked now too, so that an unsafe one stops everything before any process is looked at.
  for (const hook of ['before', 'after']) {
    const script = path.join(p, hook);
    if (exists(script)) checkTrustedPath(script, options.trust);
  }
  return { kind: 'dir', path: p, options };
}

function exists(p: string): boolean {
  try {
    fs.accessSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * The patch for an object's build id, or undefined when storage has none. The header holds
 * 40 hex characters (the key: a longer id is cut, as LibcarePlus does); in a directory the
 * names are tried with the whole id first, then with the key, so that a patch stored under
 * either name is found.
 */
export function lookupPatch(storage: Storage, buildId: string): FoundPatch | undefined {
  const key = buildIdKey(buildId);
  if (storage.kind === 'file') return storage.patch.kp.header.buildid === key ? storage.patch : undefined;
  const names = buildId === key ? [key] : [buildId, key];
  for (const name of names) {
    const found = lookupNamed(storage, name);
    if (found) return found;
  }
  return undefined;
}

function lookupNamed(storage: Extract<Storage, { kind: 'dir' }>, buildIdKey: string): FoundPatch | undefined {
  const latest = path.join(storage.path, buildIdKey, 'latest');
  const bin = path.join(latest, 'kpatch.bin');
  if (exists(bin)) {
    const link = fs.readlinkSync(latest);
    const level = Number.parseInt(link, 10);
    if (!Number.isInteger(level)) {
      throw new TscareError('STORAGE_BAD_LEVEL', `${latest} points to "${link}", not a patch level number`, { hint: 'make latest a symlink to the level directory, e.g. latest -> 1' });
    }
    return readPatch(bin, level, storage.options);
  }
  const flat = path.join(storage.path, `${buildIdKey}.kpatch`);
  return exists(flat) ? readPatch(flat, 0, storage.options) : undefined;
}
