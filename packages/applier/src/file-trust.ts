/**
 * Ownership and permission checks on what tscare-ctl reads and runs. As root it writes the
 * code of a patch into any process, so a patch file, a storage directory, a hook script or a
 * public key that someone else can change would hand them root. Like sudo and sshd's
 * StrictModes, the file itself must be owned by root and not writable by group or others,
 * and so must every directory above it (on the path as given and on its real path), except
 * that a group/other-writable directory with the sticky bit (/tmp) is allowed above it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TscareError } from '@tscare/errors';

/** `root-only`: the rules above (tscare-ctl runs as root); `any`: no check (not root). */
export type TrustPolicy = { kind: 'root-only' } | { kind: 'any' };

const GROUP_OTHER_WRITE = 0o022;
const S_ISVTX = 0o1000;

export function trustPolicyFor(euid: number): TrustPolicy {
  return euid === 0 ? { kind: 'root-only' } : { kind: 'any' };
}

function modeText(st: fs.Stats): string {
  return (st.mode & 0o7777).toString(8).padStart(4, '0');
}

function insecure(p: string, st: fs.Stats, why: string, about?: string): TscareError {
  const subject = about === undefined ? p : `${about}: directory ${p}`;
  return new TscareError('PATCH_FILE_INSECURE',
    `${subject} ${why} (owner uid ${st.uid}, mode ${modeText(st)}); tscare-ctl runs as root and only uses files that only root can change`,
    { hint: `chown root: ${p}; chmod go-w ${p}` });
}

/** The file or directory itself: owned by root, not writable by group or others. */
function checkOwn(p: string, st: fs.Stats): void {
  if (st.uid !== 0) throw insecure(p, st, 'is not owned by root');
  if ((st.mode & GROUP_OTHER_WRITE) !== 0) throw insecure(p, st, 'is writable by group or others');
}

/** Every directory from `p`'s parent up to `/`. */
function ancestors(p: string): string[] {
  const out: string[] = [];
  for (let dir = path.dirname(p); ; dir = path.dirname(dir)) {
    out.push(dir);
    if (dir === path.dirname(dir)) return out;
  }
}

/**
 * The directories above `p`, on the path as given (whoever can write the directory holding a
 * symlink can swap it) and on its real path (where the bytes are), each named by its real path.
 */
function checkParents(p: string): void {
  const abs = path.resolve(p);
  const dirs = new Set([...ancestors(abs).map((d) => fs.realpathSync(d)), ...ancestors(fs.realpathSync(abs))]);
  for (const dir of dirs) {
    const st = fs.statSync(dir);
    if (st.uid !== 0) throw insecure(dir, st, 'is not owned by root', `above ${p}`);
    if ((st.mode & GROUP_OTHER_WRITE) !== 0 && (st.mode & S_ISVTX) === 0) {
      throw insecure(dir, st, 'is writable by group or others without the sticky bit', `above ${p}`);
    }
  }
}

/** Checks a directory or a script before it is used (it must exist). */
export function checkTrustedPath(p: string, policy: TrustPolicy): void {
  if (policy.kind === 'any') return;
  checkOwn(p, fs.statSync(p));
  checkParents(p);
}

/**
 * Reads a whole file through one descriptor checked with fstat, so the bytes that were
 * checked are the bytes that are used even if the name is swapped meanwhile.
 * `readErrorCode` names the failure to open or read (e.g. KPATCH_READ).
 */
export function readTrusted(p: string, policy: TrustPolicy, readErrorCode: string): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(p, 'r');
  } catch (e) {
    throw new TscareError(readErrorCode, `${p}: cannot read: ${(e as Error).message}`, { hint: 'check the path and permissions', cause: e });
  }
  try {
    if (policy.kind === 'root-only') {
      checkOwn(p, fs.fstatSync(fd));
      checkParents(p);
    }
    try {
      return fs.readFileSync(fd);
    } catch (e) {
      throw new TscareError(readErrorCode, `${p}: cannot read: ${(e as Error).message}`, { hint: 'pass a regular file', cause: e });
    }
  } finally {
    fs.closeSync(fd);
  }
}
