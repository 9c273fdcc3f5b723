/**
 * The differ on a large real program: the SQLite amalgamation at -O2 and -O2 -g (gcc 12).
 * Round trip and identity on the original assembly, and the one-line concat_ws fix of
 * SQLite 3.50.2 must give a patch of exactly one function (LibcarePlus's kpatch_gensrc
 * emits 18 here, because it cannot pair the split clone sqlite3ExprCompare.part.0).
 * The source comes from npm at test time (see test-support/sqlite.ts); no network and no
 * cached tarball is a loud failure, never a skip.
 */
import { generateMergedAssembly } from './generate.js';
import { corpusProblems } from './test-support/corpus.js';
import { checkMergedObject } from './test-support/merged-checks.js';
import { compileSqlite, ONE_FUNCTION_FIX, sqliteSource, writeFixPair } from './test-support/sqlite.js';
import { assemble, scratchDir } from './test-support/toolchain.js';

const FLAG_SETS = [['-O2'], ['-O2', '-g']];

interface Compiled {
  readonly flags: readonly string[];
  readonly orig: string;
  readonly patched: string;
}

describe('SQLite amalgamation', () => {
  const scratch = scratchDir();
  const compiled: Compiled[] = [];
  let pair: { orig: string; patched: string };

  // All gcc runs of this file happen here, once (about a minute each on this machine).
  beforeAll(() => {
    pair = writeFixPair(scratch.dir, sqliteSource());
    for (const flags of FLAG_SETS) {
      compiled.push({ flags, orig: compileSqlite(pair.orig, flags), patched: compileSqlite(pair.patched, flags) });
    }
  }, 900_000);
  afterAll(() => scratch.dispose());

  for (const [i, flags] of FLAG_SETS.entries()) {
    const label = `gcc ${flags.join(' ')}`;

    it(`${label}: exact round trip and identity on the original assembly`, () => {
      const c = compiled[i];
      expect(c.orig.length).toBeGreaterThan(4_000_000);
      expect(corpusProblems(c.orig, `sqlite3.s (${label})`)).toEqual([]);
    });

    it(`${label}: the one-line concat_ws fix patches exactly ${ONE_FUNCTION_FIX.function}, and the result assembles`, () => {
      const c = compiled[i];
      expect(c.patched).not.toBe(c.orig);
      const r = generateMergedAssembly(c.orig, c.patched, { originalName: 'orig/sqlite3.s', patchedName: 'patched/sqlite3.s' });
      expect(r.kind).toBe('merged');
      expect({ changed: r.report.changed, added: r.report.added, newVariables: r.report.newVariables }).toEqual({
        changed: [ONE_FUNCTION_FIX.function],
        added: [],
        newVariables: [],
      });
      // The clone that defeats LibcarePlus exists in this build and is paired as unchanged.
      expect(r.report.unchanged).toContain('sqlite3ExprCompare.part.0');
      expect(r.text.split('\n').filter((l) => l === '#---------- kpatch begin ---------')).toHaveLength(1);
      const objs = {
        origObj: assemble(pair.orig, 'orig', c.orig),
        patchedObj: assemble(pair.patched, 'patched', c.patched),
        mergedObj: assemble(pair.orig, 'merged', r.text),
      };
      expect(checkMergedObject(pair.orig, objs, { changed: r.report.changed, added: [] })).toEqual([]);
    });
  }
});
