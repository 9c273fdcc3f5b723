/** The original stage and pass-through, against the real gcc 12. */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_CXX, buildId, helloCopy, ok, run, wrapper } from './test-support.js';

const ORIGINAL = { TSCARE_STAGE: 'original' };
let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = helloCopy()));
afterEach(() => cleanup());

describe('original stage', () => {
  test('-O2 -g: object byte-identical, binary has the build id of a plain build, original .s kept', () => {
    mkdirSync(join(dir, 'obj'));
    ok(run('gcc', ['-O2', '-g', '-c', 'foo.c', '-o', 'plain.o'], dir));
    ok(run('gcc', ['-O2', '-g', '-o', 'plain', 'plain.o'], dir));
    ok(wrapper(['-O2', '-g', '-c', 'foo.c', '-o', 'obj/foo.o'], dir, ORIGINAL));
    ok(wrapper(['-O2', '-g', '-o', 'foo', 'obj/foo.o'], dir, ORIGINAL));
    expect(readFileSync(join(dir, 'obj/foo.o')).equals(readFileSync(join(dir, 'plain.o')))).toBe(true);
    expect(buildId(dir, 'foo')).toMatch(/^[0-9a-f]{40}$/);
    expect(buildId(dir, 'foo')).toBe(buildId(dir, 'plain'));
    const asm = readFileSync(join(dir, 'obj/.kpatch_foo.o.original.s'), 'utf8');
    expect(asm).toMatch(/^print_hello:/m);
    expect(asm).toMatch(/\.loc\s/);
  });

  test('compile and link in one call: same build id as plain gcc, .s kept next to the output', () => {
    mkdirSync(join(dir, 'bin'));
    ok(run('gcc', ['-O2', '-g', '-o', 'plain', 'foo.c'], dir));
    ok(wrapper(['-O2', '-g', '-o', 'bin/foo', 'foo.c'], dir, ORIGINAL));
    expect(buildId(dir, 'bin/foo')).toBe(buildId(dir, 'plain'));
    expect(readdirSync(join(dir, 'bin'))).toEqual(['.kpatch_foo.0-foo.c.original.s', 'foo']);
  });

  test('several sources, an explicit -x c and an object in one link: same build id', () => {
    writeFileSync(join(dir, 'two.inc'), 'int two(void) { return 2; }\n');
    writeFileSync(join(dir, 'three.c'), 'int three(void) { return 3; }\n');
    ok(run('gcc', ['-O2', '-g', '-c', 'three.c', '-o', 'three.o'], dir));
    const args = ['-O2', '-g', '-o', 'prog', 'foo.c', '-x', 'c', 'two.inc', '-x', 'none', 'three.o', '-lm'];
    ok(run('gcc', [...args.slice(0, 3), 'plain', ...args.slice(4)], dir));
    ok(wrapper(args, dir, ORIGINAL));
    expect(buildId(dir, 'prog')).toBe(buildId(dir, 'plain'));
    expect(readdirSync(dir).filter((f) => f.startsWith('.kpatch_')).sort()).toEqual(['.kpatch_prog.0-foo.c.original.s', '.kpatch_prog.1-two.inc.original.s']);
  });

  test('assembler sources are built by gcc unchanged; their preprocessed text is kept', () => {
    writeFileSync(join(dir, 'start.S'), '#define VALUE 7\n\t.globl value\n\t.data\nvalue:\t.long VALUE\n');
    ok(run('gcc', ['-g', '-c', 'start.S', '-o', 'plain.o'], dir));
    ok(wrapper(['-g', '-c', 'start.S', '-o', 'start.o'], dir, ORIGINAL));
    expect(readFileSync(join(dir, 'start.o')).equals(readFileSync(join(dir, 'plain.o')))).toBe(true);
    expect(readdirSync(dir).filter((f) => f.startsWith('.kpatch_'))).toEqual(['.kpatch_start.o.original.s']);
    expect(readFileSync(join(dir, '.kpatch_start.o.original.s'), 'utf8')).toMatch(/^value: \.long 7$/m);
  });

  test('-MD writes the same dependency file as a plain build', () => {
    mkdirSync(join(dir, 'obj'));
    mkdirSync(join(dir, 'plain'));
    ok(run('gcc', ['-O2', '-MD', '-MP', '-c', 'foo.c', '-o', 'plain/foo.o'], dir));
    ok(wrapper(['-O2', '-MD', '-MP', '-c', 'foo.c', '-o', 'obj/foo.o'], dir, ORIGINAL));
    const plain = readFileSync(join(dir, 'plain/foo.d'), 'utf8').replaceAll('plain/foo.o', 'obj/foo.o');
    expect(readFileSync(join(dir, 'obj/foo.d'), 'utf8')).toBe(plain);
    expect(readdirSync(join(dir, 'obj')).filter((f) => f.endsWith('.d'))).toEqual(['foo.d']);
  });

  test('-S delivers the assembly gcc would have written', () => {
    ok(run('gcc', ['-O2', '-S', 'foo.c', '-o', 'plain.s'], dir));
    ok(wrapper(['-O2', '-S', 'foo.c'], dir, ORIGINAL));
    expect(readFileSync(join(dir, 'foo.s'), 'utf8')).toBe(readFileSync(join(dir, 'plain.s'), 'utf8'));
  });

  test('tscare-c++ compiles C++ with g++ and keeps the build id', () => {
    writeFileSync(join(dir, 'x.cpp'), '#include <cstdio>\nint main() { std::puts("hi"); }\n');
    ok(run('g++', ['-O2', '-g', '-o', 'plain', 'x.cpp'], dir));
    ok(wrapper(['-O2', '-g', '-c', 'x.cpp', '-o', 'x.o'], dir, ORIGINAL, CLI_CXX));
    ok(wrapper(['-O2', '-g', '-o', 'x', 'x.o'], dir, ORIGINAL, CLI_CXX));
    expect(buildId(dir, 'x')).toBe(buildId(dir, 'plain'));
  });
});

describe('pass-through and errors', () => {
  test('no stage: the real compiler runs alone, nothing else is written', () => {
    ok(wrapper(['-O2', '-c', 'foo.c'], dir));
    expect(readdirSync(dir).filter((f) => f.startsWith('.kpatch_'))).toEqual([]);
    expect(existsSync(join(dir, 'foo.o'))).toBe(true);
  });

  test('-E and configure probes go to gcc unchanged, with the reason in TSCARE_LOG', () => {
    const log = join(dir, 'cc.log');
    const env = { ...ORIGINAL, TSCARE_LOG: log };
    const pre = ok(wrapper(['-E', '-DX=1', 'foo.c'], dir, env));
    expect(pre.stdout).toBe(ok(run('gcc', ['-E', '-DX=1', 'foo.c'], dir)).stdout);
    writeFileSync(join(dir, 'conftest.c'), 'int main(void) { return 0; }\n');
    ok(wrapper(['-c', 'conftest.c'], dir, env));
    expect(readdirSync(dir).filter((f) => f.startsWith('.kpatch_'))).toEqual([]);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('pass-through (-E: preprocessing only (-E)) :: -E -DX=1 foo.c');
    expect(lines[1]).toContain('pass-through (configure probe (conftest.c))');
  });

  test('the exit code and diagnostics are the real compiler\'s', () => {
    writeFileSync(join(dir, 'bad.c'), 'int f(void) { return }\n');
    const r = wrapper(['-c', 'bad.c', '-o', 'bad.o'], dir, ORIGINAL);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('bad.c:1:22: error: expected expression');
    expect(r.stderr).toBe(run('gcc', ['-c', 'bad.c', '-o', 'bad.o'], dir).stderr);
    expect(existsSync(join(dir, 'bad.o'))).toBe(false);
  });

  test('internal errors: bad stage, missing real compiler', () => {
    const bad = wrapper(['-c', 'foo.c'], dir, { TSCARE_STAGE: 'orig' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^tscare-cc: error CC_BAD_STAGE: TSCARE_STAGE=orig is not a stage/);
    const missing = wrapper(['-c', 'foo.c'], dir, { ...ORIGINAL, TSCARE_REAL_CC: '/nonexistent/gcc' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^tscare-cc: error CC_REAL_COMPILER_FAILED: cannot run the real compiler \/nonexistent\/gcc: ENOENT/);
  });
});
