/** Ed25519 signatures of a real built .kpatch, through the library and the tscare-kpatch CLI. */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTscareError } from '@tscare/errors';
import { buildKpatch } from './build.js';
import { generateSigningKeys, keyFingerprint, loadPrivateKey, loadPublicKey, signKpatch, verifyKpatchSignature } from './signature.js';
import { buildFooPair, makeScratch, type Scratch } from './testing/toolchain.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
const PATHS = { kpatch: 'p.kpatch', sig: 'p.kpatch.sig' };

let s: Scratch;
let good: Buffer;

beforeAll(async () => {
  s = makeScratch();
  const pair = buildFooPair(s);
  const r = await buildKpatch({ original: pair.orig, patched: pair.patched, patchId: '0001' });
  if (r.kind !== 'built') throw new Error(r.reason);
  good = r.bytes;
});
afterAll(() => s.cleanup());

function codeOf(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (isTscareError(e)) return e.code;
    throw e;
  }
}

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: s.dir, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('signKpatch / verifyKpatchSignature', () => {
  const pair = generateSigningKeys();
  const priv = loadPrivateKey(Buffer.from(pair.privatePem), 'k');
  const pub = loadPublicKey(Buffer.from(pair.publicPem), 'k.pub');

  test('the .sig has the documented four lines and verifies', () => {
    const sig = signKpatch(good, priv);
    const lines = sig.split('\n');
    expect(lines[0]).toBe('tscare-kpatch-signature 1');
    expect(lines[1]).toBe('algorithm ed25519');
    expect(lines[2]).toBe(`key ${keyFingerprint(pub)}`);
    expect(Buffer.from(lines[3].replace(/^signature /, ''), 'base64')).toHaveLength(64);
    expect(lines[4]).toBe('');
    expect(codeOf(() => verifyKpatchSignature(good, Buffer.from(sig), pub, PATHS))).toBe('ok');
  });

  test('one flipped bit anywhere in the file, another key, or a damaged .sig is refused', () => {
    const sig = Buffer.from(signKpatch(good, priv));
    for (const at of [0, 8, 152, 504, good.length - 1]) {
      const altered = Buffer.from(good);
      altered[at] ^= 1;
      expect(() => verifyKpatchSignature(altered, sig, pub, PATHS)).toThrow(/p\.kpatch was changed after it was signed/);
    }
    const other = loadPublicKey(Buffer.from(generateSigningKeys().publicPem), 'other.pub');
    expect(() => verifyKpatchSignature(good, sig, other, PATHS)).toThrow(`p.kpatch.sig was made with key ${keyFingerprint(pub)}, not the trusted key ${keyFingerprint(other)}`);
    expect(codeOf(() => verifyKpatchSignature(good, Buffer.from(sig.toString().replace('ed25519\n', 'rsa\n')), pub, PATHS))).toBe('PATCH_BAD_SIGNATURE');
    expect(codeOf(() => verifyKpatchSignature(good, sig.subarray(0, sig.length - 10), pub, PATHS))).toBe('PATCH_BAD_SIGNATURE');
    expect(codeOf(() => verifyKpatchSignature(good, Buffer.from('hello\n'), pub, PATHS))).toBe('PATCH_BAD_SIGNATURE');
  });

  test('keys that are not Ed25519 PEM are refused', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => loadPrivateKey(Buffer.from(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' })), 'rsa.pem')).toThrow('rsa.pem: is a rsa key, not Ed25519');
    expect(codeOf(() => loadPublicKey(Buffer.from('not a key'), 'junk.pub'))).toBe('KPATCH_BAD_KEY');
  });
});

describe('tscare-kpatch keygen / sign / verify', () => {
  test('the whole flow, and each refusal with its exit code', () => {
    const file = s.write('foo.kpatch', good);
    expect(run(['keygen', '-o', 'k'])).toMatchObject({ status: 0, stdout: expect.stringMatching(/^private key k, public key k\.pub \(SHA256:[A-Za-z0-9+/]{43}\)\n$/) });
    expect(statSync(s.path('k')).mode & 0o777).toBe(0o600);
    expect(run(['keygen', '-o', 'k'])).toMatchObject({ status: 1, stderr: expect.stringContaining('error KPATCH_WRITE') });
    expect(run(['verify', '-k', 'k.pub', 'foo.kpatch'])).toMatchObject({ status: 1, stderr: expect.stringContaining('error PATCH_UNSIGNED: foo.kpatch has no signature') });
    expect(run(['sign', '-k', 'k', 'foo.kpatch'])).toMatchObject({ status: 0, stdout: expect.stringContaining('foo.kpatch.sig') });
    expect(readFileSync(file)).toEqual(good); // the .kpatch itself is unchanged
    expect(run(['verify', '-k', 'k.pub', 'foo.kpatch'])).toMatchObject({ status: 0, stdout: expect.stringContaining('foo.kpatch: good signature by key SHA256:') });
    const altered = Buffer.from(good);
    altered[600] ^= 0x80;
    writeFileSync(file, altered);
    expect(run(['verify', '-k', 'k.pub', 'foo.kpatch'])).toMatchObject({ status: 1, stderr: expect.stringContaining('error PATCH_BAD_SIGNATURE: foo.kpatch was changed after it was signed') });
    s.write('junk.kpatch', Buffer.from('not a patch'));
    expect(run(['sign', '-k', 'k', 'junk.kpatch'])).toMatchObject({ status: 1, stderr: expect.stringContaining('error KPATCH_TRUNCATED') });
    expect(run(['sign', '-k', 'k.pub', 'foo.kpatch'])).toMatchObject({ status: 1, stderr: expect.stringContaining('error KPATCH_BAD_KEY') });
    expect(run(['sign', 'foo.kpatch'])).toMatchObject({ status: 64, stderr: expect.stringContaining('sign needs -k KEY') });
  });
});
