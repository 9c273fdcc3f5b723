import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readElfFile } from '@tscare/elf';
import { parseKpatch } from './reader.js';
import { buildFooPair, makeScratch, type Scratch } from './testing/toolchain.js';

/** The built CLI (tsc -b packages/kpatch must have run, as `npm test` does). */
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');

let s: Scratch;
let pair: { orig: string; patched: string };
let buildId: string;

function run(args: string[], opts: { cwd?: string } = {}): { status: number | null; stdout: string; stderr: string; raw: Buffer } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? s.dir });
  return { status: r.status, stdout: r.stdout.toString('latin1'), stderr: r.stderr.toString(), raw: r.stdout };
}

function withoutBuildTime(b: Buffer): Buffer {
  const c = Buffer.from(b);
  c.fill(0, 136, 144);
  return c;
}

beforeAll(() => {
  s = makeScratch();
  pair = buildFooPair(s);
  buildId = readElfFile(pair.orig).buildId()!;
});
afterAll(() => s.cleanup());

describe('tscare-kpatch CLI', () => {
  it('runs the manual LibcarePlus flow and matches the one-shot build', () => {
    expect(run(['strip', pair.patched, 'p.o']).status).toBe(0);
    expect(run(['rel-fixup', pair.orig, 'p.o']).status).toBe(0);
    expect(run(['strip-unneeded', 'p.o']).status).toBe(0);
    expect(run(['undo-link', pair.orig, 'p.o']).status).toBe(0);
    expect(run(['make', '-b', buildId, '-i', '0001', '-o', 'manual.kpatch', 'p.o']).status).toBe(0);
    const built = run(['build', '-i', '0001', pair.orig, pair.patched]);
    expect(built.status).toBe(0);
    expect(built.stdout).toBe(`patch for ${pair.orig} is in ${buildId}.kpatch (1 function(s))\n`);
    const manual = readFileSync(s.path('manual.kpatch'));
    const oneShot = readFileSync(s.path(`${buildId}.kpatch`));
    expect(withoutBuildTime(manual).equals(withoutBuildTime(oneShot))).toBe(true);
  });

  it('accepts the kpatch_strip option spellings, binutils strip in the middle, and make to stdout', () => {
    expect(run(['--strip', pair.patched, 'q.o']).status).toBe(0);
    expect(run(['-r', pair.orig, 'q.o']).status).toBe(0);
    expect(spawnSync('strip', ['--strip-unneeded', 'q.o'], { cwd: s.dir }).status).toBe(0);
    expect(run(['-u', pair.orig, 'q.o']).status).toBe(0);
    const made = run(['make', '-i', '0002', '-b', buildId, 'q.o']);
    expect(made.status).toBe(0);
    const kp = parseKpatch(made.raw, 'stdout');
    expect([kp.header.id, kp.header.buildid, kp.infoCount]).toEqual(['0002', buildId, 1]);
  });

  it('prints a verified file like libcare-dump -H, then the info entries', () => {
    run(['build', '-i', 'info1', '-o', 'i.kpatch', pair.orig, pair.patched]);
    const r = run(['info', 'i.kpatch']);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      `${'Patch Name:'.padEnd(25)} i.kpatch`, `${'Magic:'.padEnd(25)} KPATCH1`, `${'Patch id:'.padEnd(25)} info1`, `${'buildid:'.padEnd(25)} ${buildId}`,
    ]);
    expect(r.stdout).toMatch(/\[0\] print_hello\.kpatch: replaces print_hello \(32 bytes\); new code \.kpatch\.text \(32 bytes\)/);
  });

  it('exits 1 with a typed error on a bad file, 2 when there is nothing to patch, 64 on usage errors', () => {
    s.write('bad.kpatch', Buffer.from('KPATCH2\0'.padEnd(600, '\0')));
    const bad = run(['info', 'bad.kpatch']);
    expect([bad.status, bad.stderr.split('\n')[0]]).toEqual([1, 'tscare-kpatch: error KPATCH_BAD_MAGIC: bad.kpatch: not a kpatch file (magic is not "KPATCH1\\0")']);
    const none = run(['build', '-i', '1', pair.orig, pair.orig]);
    expect([none.status, none.stderr]).toEqual([2, `tscare-kpatch: nothing to patch: ${pair.orig} has no .kpatch sections (no function changed)\n`]);
    for (const args of [[], ['make', 'p.o'], ['strip', 'one'], ['bogus'], ['make', '-b', 'aa', '-b', 'bb', '-i', '1', 'p.o']]) {
      const r = run(args);
      expect([args.join(' '), r.status]).toEqual([args.join(' '), 64]);
    }
    expect(run(['--help']).status).toBe(0);
    const unstripped = run(['make', '-b', buildId, '-i', '1', '-o', 'never.kpatch', pair.patched]);
    expect([unstripped.status, unstripped.stderr]).toEqual([1, expect.stringMatching(/KPATCH_BAD_ELF: .*e_type is 3, expected ET_REL/)]);
    const missing = run(['strip', 'nonexistent', 'out.o']);
    expect([missing.status, missing.stderr]).toEqual([1, expect.stringMatching(/ELF_READ: nonexistent: cannot read/)]);
  });
});
