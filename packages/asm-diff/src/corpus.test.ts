/**
 * The parser and the differ on every C file of the project (examples, end-to-end cases,
 * package fixtures) over the gcc flag matrix, and on C++ output: the exact round trip
 * print(parse(s)) === s, and the identity property (a file diffed against itself is
 * `unchanged` and returned byte for byte).
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { compileAll, corpusProblems, corpusSources, flagMatrix, repoRoot } from './test-support/corpus.js';
import { scratchDir } from './test-support/toolchain.js';

const sources = corpusSources();
const cppSource = { path: join(repoRoot, 'packages', 'gnu-as-parser', 'fixtures', 'cpp', 'templates.cpp') };

describe('corpus: round trip and identity on real gcc output', () => {
  const scratch = scratchDir();
  afterAll(() => scratch.dispose());

  it('finds the project C files (examples, test cases, fixtures)', () => {
    expect(sources.length).toBeGreaterThanOrEqual(20);
    expect(sources.map((s) => s.rel)).toContain('examples/hello/foo.c');
  });

  for (const flags of flagMatrix()) {
    it(`gcc ${flags.join(' ')}: every file`, () => {
      const dir = mkdtempSync(join(scratch.dir, 'c-'));
      const texts = compileAll(dir, sources, flags);
      const problems = texts.flatMap((t, i) => corpusProblems(t, `${sources[i].rel} (${flags.join(' ')})`));
      expect(problems).toEqual([]);
    });
  }

  // C++: COMDAT groups, weak template instances, gnu_unique_object, TLS wrappers,
  // exception tables between a function's code and its .size, .init_array.
  for (const flags of [['-O2'], ['-O0', '-g'], ['-O3', '-fPIC', '-ffunction-sections'], ['-Os', '-g', '-fno-pic']]) {
    it(`g++ ${flags.join(' ')}: templates, inline statics, thread_local, constructors`, () => {
      const dir = mkdtempSync(join(scratch.dir, 'cpp-'));
      const [text] = compileAll(dir, [cppSource], flags, 'g++');
      expect(text).toMatch(/\.section\s+\.init_array/);
      expect(text).toMatch(/\.section\s+\.tbss/);
      expect(text).toMatch(/@gnu_unique_object/);
      expect(corpusProblems(text, `templates.cpp (${flags.join(' ')})`)).toEqual([]);
    });
  }
});
