/** The patched stage on examples/hello, against the real gcc 12 and the real differ. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { helloCopy, ok, run, sectionNames, wrapper } from './test-support.js';

const ORIGINAL = { TSCARE_STAGE: 'original' };
const PATCHED = { TSCARE_STAGE: 'patched' };
let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = helloCopy()));
afterEach(() => cleanup());

function editSource(file: string, from: string, to: string): void {
  const path = join(dir, file);
  const text = readFileSync(path, 'utf8');
  expect(text).toContain(from);
  writeFileSync(path, text.replace(from, to));
}

describe('patched stage', () => {
  test('a changed function lands in .kpatch.text; the link keeps relocations (-Wl,-q)', () => {
    ok(wrapper(['-O2', '-g', '-c', 'foo.c', '-o', 'foo.o'], dir, ORIGINAL));
    editSource('foo.c', 'Hello world!', 'Hello world being patched!');
    ok(wrapper(['-O2', '-g', '-c', 'foo.c', '-o', 'foo.o'], dir, PATCHED));
    expect(sectionNames(dir, 'foo.o')).toEqual(expect.arrayContaining(['.kpatch.text', '.kpatch.info', '.kpatch.strtab']));
    expect(readFileSync(join(dir, '.kpatch_foo.o.patched.s'), 'utf8')).toContain('Hello world being patched!');
    expect(readFileSync(join(dir, '.kpatch_foo.o.s'), 'utf8')).toContain('.kpatch.text');
    expect(JSON.parse(readFileSync(join(dir, '.kpatch_foo.o.report.json'), 'utf8'))).toEqual({
      source: 'foo.c', output: join(dir, 'foo.o'), kind: 'merged', originalMissing: false, changed: ['print_hello'], added: [], newVariables: ['.LC0'],
    });
    ok(wrapper(['-O2', '-g', '-o', 'foo', 'foo.o'], dir, PATCHED));
    const linked = sectionNames(dir, 'foo');
    expect(linked).toEqual(expect.arrayContaining(['.rela.text', '.kpatch.text']));
    ok(run('gcc', ['-O2', '-g', '-o', 'plain', 'foo.o'], dir));
    expect(sectionNames(dir, 'plain')).not.toContain('.rela.text');
  });

  test('no change: the object is byte-identical to the original one', () => {
    ok(wrapper(['-O2', '-g', '-c', 'foo.c', '-o', 'foo.o'], dir, ORIGINAL));
    const original = readFileSync(join(dir, 'foo.o'));
    ok(wrapper(['-O2', '-g', '-c', 'foo.c', '-o', 'foo.o'], dir, PATCHED));
    expect(readFileSync(join(dir, 'foo.o')).equals(original)).toBe(true);
    expect(sectionNames(dir, 'foo.o')).not.toContain('.kpatch.text');
    const report = JSON.parse(readFileSync(join(dir, '.kpatch_foo.o.report.json'), 'utf8'));
    expect(report).toMatchObject({ kind: 'unchanged', changed: [], added: [] });
  });

  test('compile and link in one call works in the patched stage', () => {
    ok(wrapper(['-O2', '-g', '-o', 'foo', 'foo.c'], dir, ORIGINAL));
    editSource('foo.c', 'Hello world!', 'Hello again!');
    const log = join(dir, 'cc.log');
    ok(wrapper(['-O2', '-g', '-o', 'foo', 'foo.c'], dir, { ...PATCHED, TSCARE_LOG: log }));
    expect(sectionNames(dir, 'foo')).toEqual(expect.arrayContaining(['.rela.text', '.kpatch.text']));
    expect(existsSync(join(dir, '.kpatch_foo.0-foo.c.s'))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, '.kpatch_foo.0-foo.c.report.json'), 'utf8'))).toMatchObject({ output: join(dir, 'foo'), changed: ['print_hello'] });
    expect(readFileSync(log, 'utf8')).toMatch(/patched compile\+link foo\.c exit 0; foo\.c: merged \(changed: print_hello[;)].* :: -O2 -g -o foo foo\.c\n$/);
  });

  test('a new source file (no original assembly) is all new', () => {
    writeFileSync(join(dir, 'extra.c'), 'int extra_answer(void) { return 42; }\n');
    const log = join(dir, 'cc.log');
    ok(wrapper(['-O2', '-c', 'extra.c', '-o', 'extra.o'], dir, { ...PATCHED, TSCARE_LOG: log }));
    expect(readFileSync(log, 'utf8')).toContain('extra.c: merged (no original assembly: all new; new: extra_answer)');
    expect(JSON.parse(readFileSync(join(dir, '.kpatch_extra.o.report.json'), 'utf8'))).toMatchObject({ originalMissing: true, changed: [], added: ['extra_answer'] });
    expect(sectionNames(dir, 'extra.o')).toContain('.kpatch.text');
  });

  test('an object built without the wrapper and no original .s: a warning, then all new', () => {
    ok(run('gcc', ['-O2', '-c', 'foo.c', '-o', 'foo.o'], dir));
    const r = ok(wrapper(['-O2', '-c', 'foo.c', '-o', 'foo.o'], dir, PATCHED));
    expect(r.stderr).toMatch(/^tscare-cc: warning: foo\.o exists but has no original assembly: it was not built by tscare-cc in the original stage; the patch treats it as new code \(rebuild from clean, e\.g\. tscare-patch-make --clean\)\n/);
    expect(sectionNames(dir, 'foo.o')).toContain('.kpatch.text');
  });

  test('a change the differ refuses fails the compile, naming the source', () => {
    writeFileSync(join(dir, 'v.c'), 'int counter = 1;\nint get(void) { return counter; }\n');
    ok(wrapper(['-O2', '-c', 'v.c', '-o', 'v.o'], dir, ORIGINAL));
    editSource('v.c', '= 1', '= 2');
    const r = wrapper(['-O2', '-c', 'v.c', '-o', 'v.o'], dir, PATCHED);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^tscare-cc: error DIFF_VAR_CHANGED: v\.c: variable 'counter'/);
  });
});
