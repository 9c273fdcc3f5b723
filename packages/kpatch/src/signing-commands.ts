/** `tscare-kpatch keygen`, `sign` and `verify`: file handling around signature.ts. */
import { readFileSync, writeFileSync } from 'node:fs';
import { TscareError } from '@tscare/errors';
import { parseKpatch } from './reader.js';
import {
  generateSigningKeys, keyFingerprint, loadPrivateKey, loadPublicKey, signKpatch, SIGNATURE_SUFFIX, verifyKpatchSignature,
} from './signature.js';

function read(path: string, code: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new TscareError(code, `${path}: cannot read: ${(e as Error).message}`, { hint: 'check the path', cause: e });
  }
}

/** `flag: 'wx'`: a key pair is never written over an existing file. */
function writeNew(path: string, text: string, mode: number): void {
  try {
    writeFileSync(path, text, { mode, flag: 'wx' });
  } catch (e) {
    throw new TscareError('KPATCH_WRITE', `${path}: cannot write: ${(e as Error).message}`, { hint: 'choose a path that does not exist yet', cause: e });
  }
}

/** Writes KEY (private, 0600) and KEY.pub (public); returns the line to print. */
export function keygen(output: string): string {
  const pair = generateSigningKeys();
  writeNew(output, pair.privatePem, 0o600);
  writeNew(`${output}.pub`, pair.publicPem, 0o644);
  return `private key ${output}, public key ${output}.pub (${keyFingerprint(loadPublicKey(Buffer.from(pair.publicPem), `${output}.pub`))})`;
}

/** Signs a file the reader accepts (a broken patch is never signed). */
export function signFile(keyPath: string, file: string, output: string | undefined): string {
  const key = loadPrivateKey(read(keyPath, 'KPATCH_BAD_KEY'), keyPath);
  const data = read(file, 'KPATCH_READ');
  parseKpatch(data, file);
  const sigPath = output ?? `${file}${SIGNATURE_SUFFIX}`;
  try {
    writeFileSync(sigPath, signKpatch(data, key), { mode: 0o644 });
  } catch (e) {
    throw new TscareError('KPATCH_WRITE', `${sigPath}: cannot write: ${(e as Error).message}`, { hint: 'check the directory and permissions', cause: e });
  }
  return `signed ${file} with key ${keyFingerprint(key)}: ${sigPath}`;
}

export function verifyFile(keyPath: string, file: string): string {
  const key = loadPublicKey(read(keyPath, 'KPATCH_BAD_KEY'), keyPath);
  const data = read(file, 'KPATCH_READ');
  const sigPath = `${file}${SIGNATURE_SUFFIX}`;
  let sig: Buffer;
  try {
    sig = readFileSync(sigPath);
  } catch (e) {
    throw new TscareError('PATCH_UNSIGNED', `${file} has no signature (${sigPath}: ${(e as Error).message})`, { hint: `sign it: tscare-kpatch sign -k KEY ${file}`, cause: e });
  }
  verifyKpatchSignature(data, sig, key, { kpatch: file, sig: sigPath });
  parseKpatch(data, file);
  return `${file}: good signature by key ${keyFingerprint(key)}`;
}
