/**
 * What real build systems do to a compiler: response files, paths with spaces, several
 * inputs, hand-written assembly, parallel jobs, ccache. Against the real gcc 12.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN_CC, CLI, buildId, helloCopy, ok, run, sectionNames, wrapper } from './test-support.js';

const ORIGINAL = { TSCARE_STAGE: 'original' };
const PATCHED = { TSCARE_STAGE: 'patched' };
let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = helloCopy()));
afterEach(() => cleanup());

function edit(file: string, from: string, to: string): void {
  const text = readFileSync(join(dir, file), 'utf8');
  expect(text).toContain(from);
  writeFileSync(join(dir, file), text.replace(from, to));
}

/** Every file below `root` whose name marks an unfinished temporary (temp-files.ts). */
function leftovers(root: string): string[] {
  return readdirSync(root, { recursive: true }).map(String).filter((f) => f.includes('.tmp-'));
}

test('a response file with quoted paths containing spaces: expanded, built, patched', () => {
  mkdirSync(join(dir, 'src dir'));
  mkdirSync(join(dir, 'obj dir'));
  writeFileSync(join(dir, 'src dir/foo.c'), readFileSync(join(dir, 'foo.c')));
  writeFileSync(join(dir, 'args.rsp'), '-O2 -g\n-c "src dir/foo.c"\n');
  ok(run('gcc', ['@args.rsp', '-o', 'plain.o'], dir));
  const log = join(dir, 'cc.log');
  ok(wrapper(['@args.rsp', '-o', 'obj dir/foo.o'], dir, { ...ORIGINAL, TSCARE_LOG: log }));
  expect(readFileSync(join(dir, 'obj dir/foo.o')).equals(readFileSync(join(dir, 'plain.o')))).toBe(true);
  expect(existsSync(join(dir, 'obj dir/.kpatch_foo.o.original.s'))).toBe(true);
  expect(readFileSync(log, 'utf8')).toContain('original compile src dir/foo.c -> obj dir/foo.o exit 0; expanded @args.rsp :: @args.rsp -o "obj dir/foo.o"');
  writeFileSync(join(dir, 'src dir/foo.c'), readFileSync(join(dir, 'foo.c'), 'utf8').replace('Hello world!', 'Hello, spaces!'));
  ok(wrapper(['@args.rsp', '-o', 'obj dir/foo.o'], dir, PATCHED));
  expect(sectionNames(dir, 'obj dir/foo.o')).toContain('.kpatch.text');
});

test('-c with several sources builds one object each, like gcc', () => {
  writeFileSync(join(dir, 'two.c'), 'int two(void) { return 2; }\n');
  ok(run('gcc', ['-O2', '-g', '-c', 'foo.c', 'two.c'], dir));
  const plain = ['foo.o', 'two.o'].map((o) => readFileSync(join(dir, o)));
  ok(run('rm', ['foo.o', 'two.o'], dir));
  ok(wrapper(['-O2', '-g', '-c', 'foo.c', 'two.c'], dir, ORIGINAL));
  expect(['foo.o', 'two.o'].map((o, i) => readFileSync(join(dir, o)).equals(plain[i]))).toEqual([true, true]);
  expect(readdirSync(dir).filter((f) => f.startsWith('.kpatch_')).sort()).toEqual(['.kpatch_foo.o.original.s', '.kpatch_two.o.original.s']);
});

test('-o /dev/null goes to gcc unchanged and leaves nothing behind', () => {
  const log = join(dir, 'cc.log');
  ok(wrapper(['-O2', '-c', 'foo.c', '-o', '/dev/null'], dir, { ...ORIGINAL, TSCARE_LOG: log }));
  expect(readdirSync(dir).filter((f) => f.startsWith('.kpatch_') || f.endsWith('.o'))).toEqual([]);
  expect(readFileSync(log, 'utf8')).toContain('pass-through (output is /dev/null)');
});

describe('hand-written assembly', () => {
  beforeEach(() => writeFileSync(join(dir, 'start.S'), '#define VALUE 7\n\t.globl value\n\t.data\nvalue:\t.long VALUE\n'));

  test('unchanged in the patched stage: built by gcc as it is', () => {
    ok(wrapper(['-c', 'start.S', '-o', 'start.o'], dir, ORIGINAL));
    const original = readFileSync(join(dir, 'start.o'));
    ok(wrapper(['-c', 'start.S', '-o', 'start.o'], dir, PATCHED));
    expect(readFileSync(join(dir, 'start.o')).equals(original)).toBe(true);
  });

  test('changed by the patch (here through a -D): refused, naming the file', () => {
    ok(wrapper(['-DEXTRA=1', '-c', 'start.S', '-o', 'start.o'], dir, ORIGINAL));
    edit('start.S', 'define VALUE 7', 'define VALUE 8');
    const r = wrapper(['-DEXTRA=1', '-c', 'start.S', '-o', 'start.o'], dir, PATCHED);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^tscare-cc: error CC_ASM_SOURCE_CHANGED: start\.S is hand-written assembly and the patch changes it/);
  });
});

/** Runs several wrapper calls at the same time, as make -j does. */
function parallel(calls: readonly string[][], env: Record<string, string>): Promise<number[]> {
  return Promise.all(
    calls.map(
      (args) =>
        new Promise<number>((resolve, reject) => {
          const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env: { ...process.env, ...env }, stdio: 'ignore' });
          child.on('error', reject);
          child.on('close', (code) => resolve(code ?? 1));
        }),
    ),
  );
}

test('parallel jobs writing the same intermediate files: all succeed, no torn or stray files', async () => {
  ok(run('gcc', ['-O2', '-g', '-c', 'foo.c', '-o', 'plain.o'], dir));
  const same = Array.from({ length: 4 }, () => ['-O2', '-g', '-c', 'foo.c', '-o', 'foo.o']);
  expect(await parallel(same, ORIGINAL)).toEqual([0, 0, 0, 0]);
  expect(readFileSync(join(dir, 'foo.o')).equals(readFileSync(join(dir, 'plain.o')))).toBe(true);
  edit('foo.c', 'Hello world!', 'Hello in parallel!');
  const links = ['a', 'b', 'c'].map((p) => ['-O2', '-g', '-o', p, 'foo.c']);
  expect(await parallel([...same, ...links], PATCHED)).toEqual([0, 0, 0, 0, 0, 0, 0]);
  expect(sectionNames(dir, 'foo.o')).toContain('.kpatch.text');
  expect(leftovers(dir)).toEqual([]);
});

test('make -j4 through the wrapper: the original build has the build ids of a plain build', () => {
  writeFileSync(join(dir, 'two.c'), 'int two(void) { return 2; }\n');
  writeFileSync(
    join(dir, 'Makefile.j'),
    ['all: p1 p2 p3', 'p%: foo.o two.o', '\t$(CC) -O2 -g -o $@ $^', '%.o: %.c', '\t$(CC) -O2 -g -MD -c -o $@ $<', ''].join('\n'),
  );
  ok(run('make', ['-f', 'Makefile.j', '-j4', 'CC=gcc'], dir));
  const plain = ['p1', 'p2', 'p3'].map((p) => buildId(dir, p));
  ok(run('make', ['-f', 'Makefile.j', '-B', '-j4', `CC=${process.execPath} ${CLI}`], dir, ORIGINAL));
  expect(['p1', 'p2', 'p3'].map((p) => buildId(dir, p))).toEqual(plain);
  expect(readFileSync(join(dir, 'foo.d'), 'utf8')).toMatch(/^foo\.o: foo\.c/);
  expect(leftovers(dir)).toEqual([]);
});

describe('ccache', () => {
  test('behind the wrapper (TSCARE_REAL_CC, or ccache first in PATH): hits still leave the original assembly', () => {
    const cache = { CCACHE_DIR: join(dir, 'ccache'), CCACHE_NOHASHDIR: '1' };
    ok(wrapper(['-O2', '-g', '-c', 'foo.c', '-o', 'foo.o'], dir, { ...ORIGINAL, ...cache, TSCARE_REAL_CC: '/usr/lib/ccache/gcc' }));
    const first = readFileSync(join(dir, 'foo.o'));
    ok(run('rm', ['-f', 'foo.o', '.kpatch_foo.o.original.s'], dir));
    const masquerade = { ...ORIGINAL, ...cache, PATH: `/usr/lib/ccache:${process.env.PATH}` };
    ok(wrapper(['-O2', '-g', '-c', 'foo.c', '-o', 'foo.o'], dir, masquerade));
    expect(readFileSync(join(dir, 'foo.o')).equals(first)).toBe(true);
    expect(existsSync(join(dir, '.kpatch_foo.o.original.s'))).toBe(true);
    const stats = ok(run('ccache', ['--print-stats'], dir, cache)).stdout;
    expect(stats).toMatch(/^direct_cache_hit\t2$/m);
    edit('foo.c', 'Hello world!', 'Hello from the cache!');
    ok(wrapper(['-O2', '-g', '-c', 'foo.c', '-o', 'foo.o'], dir, { ...masquerade, ...PATCHED }));
    expect(sectionNames(dir, 'foo.o')).toContain('.kpatch.text');
  });

  test('in front of the wrapper (CC="ccache tscare-cc"): build stages bypass the cache, so nothing is missed', () => {
    const log = join(dir, 'cc.log');
    const env = { ...ORIGINAL, CCACHE_DIR: join(dir, 'ccache'), TSCARE_LOG: log };
    for (let i = 0; i < 2; i++) {
      ok(run('rm', ['-f', 'foo.o', '.kpatch_foo.o.original.s'], dir));
      ok(run('ccache', [BIN_CC, '-O2', '-c', 'foo.c', '-o', 'foo.o'], dir, env));
      // A hit would have left no original assembly; the wrapper ran every time.
      expect(existsSync(join(dir, '.kpatch_foo.o.original.s'))).toBe(true);
    }
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines.filter((l) => l.includes('refused: started by /usr/bin/ccache'))).toHaveLength(2);
    expect(lines.filter((l) => l.includes('original compile foo.c -> foo.o exit 0'))).toHaveLength(2);
    expect(ok(run('ccache', ['--print-stats'], dir, env)).stdout).toMatch(/^direct_cache_hit\t0$/m);
  });

  test('in front of the wrapper in depend mode (no -E first): the compile itself is refused, with the fix', () => {
    const r = run('ccache', [BIN_CC, '-O2', '-MD', '-c', 'foo.c', '-o', 'foo.o'], dir, { ...ORIGINAL, CCACHE_DIR: join(dir, 'ccache'), CCACHE_DEPEND: '1' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('tscare-cc: error CC_CACHE_IN_FRONT: tscare-cc was started by /usr/bin/ccache');
    expect(r.stderr).toContain('TSCARE_REAL_CC=/usr/lib/ccache/gcc');
  });
});
