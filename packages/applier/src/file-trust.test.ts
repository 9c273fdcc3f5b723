/** The root-only ownership rules on real files and directories under os.tmpdir() (as root). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isTscareError } from '@tscare/errors';
import { checkTrustedPath, readTrusted, trustPolicyFor } from './file-trust.js';

const ROOT_ONLY = trustPolicyFor(0);
const NOBODY = 65534;
let dir: string;

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('these tests need root (they chown files)');
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscare-trust-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, mode: number): string {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, 'patch bytes');
  fs.chmodSync(p, mode);
  return p;
}

function refusal(f: () => unknown): { message: string; hint: string } {
  try {
    f();
  } catch (e) {
    if (isTscareError(e) && e.code === 'PATCH_FILE_INSECURE') return { message: e.message, hint: e.hint ?? '' };
    throw e;
  }
  throw new Error('not refused');
}

describe('readTrusted as root', () => {
  test('a root-owned 0644 file in a mkdtemp directory under sticky /tmp is read', () => {
    expect(fs.statSync(os.tmpdir()).mode & 0o1000).toBe(0o1000);
    expect(readTrusted(write('ok.kpatch', 0o644), ROOT_ONLY, 'KPATCH_READ').toString()).toBe('patch bytes');
  });

  test('a 0666 file is refused with the path, owner, mode and the fix', () => {
    const p = write('open.kpatch', 0o666);
    const r = refusal(() => readTrusted(p, ROOT_ONLY, 'KPATCH_READ'));
    expect(r.message).toBe(`${p} is writable by group or others (owner uid 0, mode 0666); tscare-ctl runs as root and only uses files that only root can change`);
    expect(r.hint).toBe(`chown root: ${p}; chmod go-w ${p}`);
    expect(refusal(() => readTrusted(write('group.kpatch', 0o664), ROOT_ONLY, 'KPATCH_READ')).message).toContain('mode 0664');
  });

  test('a file not owned by root is refused', () => {
    const p = write('theirs.kpatch', 0o644);
    fs.chownSync(p, NOBODY, NOBODY);
    expect(refusal(() => readTrusted(p, ROOT_ONLY, 'KPATCH_READ')).message).toContain(`${p} is not owned by root (owner uid ${NOBODY}, mode 0644)`);
  });

  test('a directory above that others can write (no sticky bit) or that root does not own is refused', () => {
    const p = write('sub/deeper/ok.kpatch', 0o644);
    const sub = path.join(dir, 'sub');
    fs.chmodSync(sub, 0o777);
    const r = refusal(() => readTrusted(p, ROOT_ONLY, 'KPATCH_READ'));
    expect(r.message).toContain(`above ${p}: directory ${sub} is writable by group or others without the sticky bit (owner uid 0, mode 0777)`);
    expect(r.hint).toBe(`chown root: ${sub}; chmod go-w ${sub}`);
    fs.chmodSync(sub, 0o1777); // sticky, like /tmp
    expect(readTrusted(p, ROOT_ONLY, 'KPATCH_READ').length).toBe(11);
    fs.chmodSync(sub, 0o755);
    fs.chownSync(sub, NOBODY, NOBODY);
    expect(refusal(() => readTrusted(p, ROOT_ONLY, 'KPATCH_READ')).message).toContain(`directory ${sub} is not owned by root`);
  });

  test('a symlink is judged by where it points and by the directories on both paths', () => {
    const real = write('elsewhere/ok.kpatch', 0o644);
    fs.mkdirSync(path.join(dir, 'store'));
    const link = path.join(dir, 'store', 'latest.kpatch');
    fs.symlinkSync(real, link);
    expect(readTrusted(link, ROOT_ONLY, 'KPATCH_READ').length).toBe(11);
    fs.chmodSync(path.join(dir, 'elsewhere'), 0o777);
    expect(refusal(() => readTrusted(link, ROOT_ONLY, 'KPATCH_READ')).message).toContain(`directory ${path.join(dir, 'elsewhere')} is writable`);
    fs.chmodSync(path.join(dir, 'elsewhere'), 0o755);
    fs.chmodSync(path.join(dir, 'store'), 0o775);
    expect(refusal(() => readTrusted(link, ROOT_ONLY, 'KPATCH_READ')).message).toContain(`directory ${path.join(dir, 'store')} is writable`);
  });

  test('a missing file is a read error; without root nothing is checked', () => {
    expect(() => readTrusted(path.join(dir, 'none'), ROOT_ONLY, 'KPATCH_READ')).toThrow(expect.objectContaining({ code: 'KPATCH_READ' }));
    expect(readTrusted(write('open.kpatch', 0o666), trustPolicyFor(1000), 'KPATCH_READ').length).toBe(11);
  });
});

describe('checkTrustedPath as root', () => {
  test('directories and scripts follow the same rule', () => {
    const store = path.join(dir, 'store');
    fs.mkdirSync(store, { mode: 0o755 });
    expect(() => checkTrustedPath(store, ROOT_ONLY)).not.toThrow();
    fs.chmodSync(store, 0o757);
    expect(refusal(() => checkTrustedPath(store, ROOT_ONLY)).message).toContain(`${store} is writable by group or others (owner uid 0, mode 0757)`);
    fs.chmodSync(store, 0o755);
    const hook = write('store/before', 0o775);
    expect(refusal(() => checkTrustedPath(hook, ROOT_ONLY)).message).toContain(`${hook} is writable by group or others`);
  });
});
