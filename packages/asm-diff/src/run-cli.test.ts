import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from './cli-args.js';
import { runCli, type CliIo } from './run-cli.js';
import { compileStage, scratchDir } from './test-support/toolchain.js';

const hello = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'cases', 'hello-O2');

function capture(stdin = ''): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), stdin: () => stdin };
}

describe('tscare-gensrc', () => {
  const scratch = scratchDir();
  const orig = join(scratch.dir, 'orig.s');
  const patched = join(scratch.dir, 'patched.s');
  beforeAll(() => {
    writeFileSync(orig, compileStage(scratch.dir, 'o', join(hello, 'orig.c'), ['-O2']));
    writeFileSync(patched, compileStage(scratch.dir, 'p', join(hello, 'patched.c'), ['-O2']));
  });
  afterAll(() => scratch.dispose());

  it('writes the merged file with LibcarePlus spellings and ignored options, exit 0', () => {
    const out = join(scratch.dir, 'out.s');
    const io = capture();
    const code = runCli([`--input=${orig}`, '-i', patched, `--ouput=${out}`, '--os=rhel6', '--test-mode', '--force-global', '--force-gotpcrel', '-a', 'x86_64'], io);
    expect(code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('print_hello.kpatch:');
    execFileSync('gcc', ['-c', out, '-o', join(scratch.dir, 'out.o')]);
  });

  it('prints the report as text and JSON; with -o - the report goes to stderr', () => {
    const io = capture();
    expect(runCli(['-i', orig, '-i', patched, '--output', '-', '--report', '--json'], io)).toBe(0);
    expect(io.out.join('')).toContain('print_hello.kpatch_end:');
    expect(JSON.parse(io.err.join(''))).toEqual({ kind: 'merged', changed: ['print_hello'], added: [], unchanged: ['main'], newVariables: ['.LC0'] });
    const text = capture();
    expect(runCli(['-i', orig, '-i', orig, '--report'], text)).toBe(0);
    expect(text.out.join('')).toBe('result:       unchanged\nchanged:      -\nnew:          -\nunchanged:    print_hello main\nnew data:     -\n');
  });

  it('takes an empty original (/dev/null, as LibcarePlus does): every function is new, and it assembles', () => {
    const out = join(scratch.dir, 'all-new.s');
    const io = capture();
    expect(runCli(['-i', '/dev/null', '-i', patched, '-o', out, '--json'], io)).toBe(0);
    expect(JSON.parse(io.out.join(''))).toEqual({ kind: 'merged', changed: [], added: ['print_hello', 'main'], unchanged: [], newVariables: ['.LC0'] });
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('\t.section\t.note.GNU-stack,"",@progbits\n');
    execFileSync('gcc', ['-c', out, '-o', join(scratch.dir, 'all-new.o')]);
  });

  it('reads stdin for -, and an identical pair gives back the input byte for byte', () => {
    const src = readFileSync(orig, 'utf8');
    const io = capture(src);
    expect(runCli(['-i', '-', '-i', orig, '-o', '-'], io)).toBe(0);
    expect(io.out.join('')).toBe(src);
  });

  it('--dbg-filter drops .loc and debug sections from one input', () => {
    const withG = compileStage(scratch.dir, 'g', join(hello, 'orig.c'), ['-O2', '-g']);
    const io = capture(withG);
    expect(runCli(['--dbg-filter', '-i', '-', '-o', '-'], io)).toBe(0);
    const text = io.out.join('');
    expect(withG).toMatch(/\.loc /);
    expect(text).not.toMatch(/\.loc |\.debug_info|^\.LVL/m);
    expect(text).toContain('print_hello:');
  });

  it('exit codes: 1 refused, 2 syntax error or unreadable file, 64 usage', () => {
    const bad = join(scratch.dir, 'bad.s');
    writeFileSync(bad, '\t.string "open\n');
    const changed = join(scratch.dir, 'var.s');
    writeFileSync(changed, '\t.data\n\t.globl\tv\n\t.type\tv, @object\nv:\n\t.long\t2\n');
    const orig2 = join(scratch.dir, 'var0.s');
    writeFileSync(orig2, '\t.data\n\t.globl\tv\n\t.type\tv, @object\nv:\n\t.long\t1\n');
    const refused = capture();
    expect(runCli(['-i', orig2, '-i', changed, '-o', '-'], refused)).toBe(1);
    expect(refused.err.join('')).toContain('error DIFF_VAR_CHANGED');
    const syntax = capture();
    expect(runCli(['-i', bad, '-i', orig, '-o', '-'], syntax)).toBe(2);
    expect(syntax.err.join('')).toContain(`error GAS_SYNTAX: ${bad}:1:10: unterminated string literal`);
    expect(runCli(['-i', join(scratch.dir, 'missing.s'), '-i', orig, '-o', '-'], capture())).toBe(2);
    expect(runCli(['-i', orig, '-o', '-'], capture())).toBe(64);
    expect(runCli(['-i', orig, '-i', orig, 'stray'], capture())).toBe(64);
  });
});

describe('parseArgs', () => {
  it('accepts -iFILE and --input FILE, and wants -o unless --report', () => {
    expect(parseArgs(['-ia.s', '--input', 'b.s', '--report'])).toEqual({
      kind: 'ok',
      args: { inputs: ['a.s', 'b.s'], output: undefined, report: true, json: false, dbgFilter: false, help: false },
    });
    expect(parseArgs(['-i', 'a.s', '-i', 'b.s']).kind).toBe('usage');
  });
});
