/**
 * An empty original (`-i /dev/null`: a file the patch adds). gas must take the merged text
 * without a warning (it warns "end of file not at end of a line" when the last line has no
 * newline) and the object must keep `.note.GNU-stack`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateMergedAssembly } from './generate.js';
import { scratchDir, sections } from './test-support/toolchain.js';

const opts = { originalName: '/dev/null', patchedName: 'new.s' };

/** `gcc -c` of the text: its stderr (warnings) and the object's section names. */
function assembleQuietly(dir: string, text: string): { stderr: string; sectionNames: string[] } {
  const s = join(dir, 'm.s');
  const o = join(dir, 'm.o');
  writeFileSync(s, text);
  const r = spawnSync('gcc', ['-c', s, '-o', o], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return { stderr: r.stderr, sectionNames: sections(o).map((x) => x.name) };
}

function compile(dir: string, source: string, flags: readonly string[]): string {
  writeFileSync(join(dir, 'new.c'), source);
  return execFileSync('gcc', [...flags, '-S', 'new.c', '-o', '-'], { cwd: dir, encoding: 'utf8' });
}

describe('empty original (a new file)', () => {
  const scratch = scratchDir();
  afterAll(() => scratch.dispose());

  for (const flags of [['-O2'], ['-O0', '-g']]) {
    it(`${flags.join(' ')}: new function and variable; output ends with a newline and assembles without warnings`, () => {
      const patched = compile(scratch.dir, 'int added_counter = 3;\nint added_fn(int x) { return x + added_counter; }\n', flags);
      const r = generateMergedAssembly('', patched, opts);
      expect(r.kind).toBe('merged');
      expect(r.report).toEqual({ changed: [], added: ['added_fn'], unchanged: [], newVariables: ['added_counter'] });
      expect(r.text.endsWith('\n')).toBe(true);
      const { stderr, sectionNames } = assembleQuietly(scratch.dir, r.text);
      expect(stderr).toBe('');
      expect(sectionNames).toEqual(expect.arrayContaining(['.kpatch.text', '.kpatch.info', '.note.GNU-stack']));
    });
  }

  it('a comment-only original without a final newline still gives newline-terminated output', () => {
    const patched = compile(scratch.dir, 'int added_fn(int x) { return x * 3; }\n', ['-O2']);
    const r = generateMergedAssembly('# generated, empty', patched, opts);
    expect(r.kind).toBe('merged');
    expect(r.text.endsWith('\n')).toBe(true);
    expect(assembleQuietly(scratch.dir, r.text).stderr).toBe('');
  });

  it('a new file that defines nothing keeps the GNU-stack note', () => {
    const patched = compile(scratch.dir, 'extern int declared_only(int);\n', ['-O2']);
    const r = generateMergedAssembly('', patched, opts);
    expect(r.kind).toBe('unchanged');
    expect(r.text.endsWith('\n')).toBe(true);
    const { stderr, sectionNames } = assembleQuietly(scratch.dir, r.text);
    expect(stderr).toBe('');
    expect(sectionNames).toContain('.note.GNU-stack');
  });

  it('two empty inputs stay empty', () => {
    expect(generateMergedAssembly('', '', opts)).toMatchObject({ kind: 'unchanged', text: '' });
  });
});
