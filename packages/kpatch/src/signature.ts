/**
 * Detached Ed25519 signatures of `.kpatch` files (node:crypto). The `.kpatch` stays byte for
 * byte what LibcarePlus reads; the signature sits beside it in `FILE.kpatch.sig`, a small
 * text file over the whole file's bytes:
 *
 *   tscare-kpatch-signature 1
 *   algorithm ed25519
 *   key SHA256:<base64 of SHA-256 of the 32-byte raw public key>
 *   signature <base64 of the 64-byte Ed25519 signature>
 *
 * The `key` line only names the key for messages; the signature alone decides.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { TscareError } from '@tscare/errors';

export const SIGNATURE_SUFFIX = '.sig';
const MAGIC_LINE = 'tscare-kpatch-signature 1';
const SIGNATURE_BYTES = 64;

export interface SigningKeyPair {
  privatePem: string;
  publicPem: string;
}

export function generateSigningKeys(): SigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function badKey(path: string, what: string, cause?: unknown): TscareError {
  return new TscareError('KPATCH_BAD_KEY', `${path}: ${what}`, {
    hint: 'make a key pair with tscare-kpatch keygen -o KEY (KEY is the private key, KEY.pub the public one)', cause,
  });
}

function checkEd25519(key: KeyObject, path: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw badKey(path, `is a ${key.asymmetricKeyType ?? 'symmetric'} key, not Ed25519`);
  return key;
}

/** The private key of a PEM file, for `sign`. */
export function loadPrivateKey(pem: Buffer, path: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (e) {
    throw badKey(path, `is not a PEM private key (${(e as Error).message})`, e);
  }
  return checkEd25519(key, path);
}

/** The public key of a PEM file (a private key file also gives its public half). */
export function loadPublicKey(pem: Buffer, path: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (e) {
    throw badKey(path, `is not a PEM public key (${(e as Error).message})`, e);
  }
  return checkEd25519(key, path);
}

/** `SHA256:<base64>` of the raw 32-byte public key, as the `.sig` file names it. */
export function keyFingerprint(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const raw = Buffer.from(pub.export({ format: 'jwk' }).x ?? '', 'base64url');
  return `SHA256:${createHash('sha256').update(raw).digest('base64').replace(/=+$/, '')}`;
}

/** The text of the `.sig` file for `data` (the whole `.kpatch`). */
export function signKpatch(data: Buffer, privateKey: KeyObject): string {
  const signature = sign(null, data, privateKey);
  return `${MAGIC_LINE}\nalgorithm ed25519\nkey ${keyFingerprint(privateKey)}\nsignature ${signature.toString('base64')}\n`;
}

interface ParsedSignature {
  key: string;
  signature: Buffer;
}

function parseSignatureFile(text: string, sigPath: string): ParsedSignature {
  const bad = (what: string): TscareError => new TscareError('PATCH_BAD_SIGNATURE', `${sigPath}: ${what}`, {
    hint: 'sign the patch again with tscare-kpatch sign -k KEY FILE.kpatch',
  });
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines[0] !== MAGIC_LINE) throw bad(`not a tscare-kpatch signature (first line is not "${MAGIC_LINE}")`);
  const fields = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const m = /^([a-z]+) (\S+)$/.exec(line);
    if (m === null || fields.has(m[1])) throw bad(`malformed line "${line.slice(0, 80)}"`);
    fields.set(m[1], m[2]);
  }
  if (fields.get('algorithm') !== 'ed25519') throw bad(`algorithm "${fields.get('algorithm') ?? ''}" is not ed25519`);
  const b64 = fields.get('signature') ?? '';
  const signature = Buffer.from(b64, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || signature.length !== SIGNATURE_BYTES) throw bad(`the signature is not ${SIGNATURE_BYTES} bytes of base64`);
  return { key: fields.get('key') ?? 'an unnamed key', signature };
}

/**
 * Checks the `.sig` text against the whole patch bytes and the trusted public key; throws
 * PATCH_BAD_SIGNATURE (altered file, other key, damaged `.sig`).
 */
export function verifyKpatchSignature(data: Buffer, sigText: Buffer, publicKey: KeyObject, paths: { kpatch: string; sig: string }): void {
  const parsed = parseSignatureFile(sigText.toString('latin1'), paths.sig);
  if (verify(null, data, publicKey, parsed.signature)) return;
  const expected = keyFingerprint(publicKey);
  const why = parsed.key === expected
    ? `${paths.kpatch} was changed after it was signed (the signature in ${paths.sig} does not match its bytes)`
    : `${paths.sig} was made with key ${parsed.key}, not the trusted key ${expected}`;
  throw new TscareError('PATCH_BAD_SIGNATURE', why, {
    hint: 'use the patch exactly as it was signed, or sign it with the private key of the trusted public key',
  });
}
