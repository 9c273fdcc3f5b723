/**
 * `npm run test:corpus` (not part of `npm test`: about 30 s of gcc per flag set): the SQLite
 * amalgamation over the whole flag matrix of the corpus test, asserting the exact round trip
 * and the identity property on each build. Run it with
 *   NODE_OPTIONS=--experimental-vm-modules npx jest --testMatch '<rootDir>/packages/asm-diff/src/**\/*.corpus.ts'
 */
import { copyFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { corpusProblems, flagMatrix } from './test-support/corpus.js';
import { compileSqlite, sqliteSource } from './test-support/sqlite.js';
import { scratchDir } from './test-support/toolchain.js';

describe('SQLite amalgamation over the whole flag matrix', () => {
  const scratch = scratchDir();
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(scratch.dir, 'sqlite-'));
    copyFileSync(sqliteSource(), join(dir, 'sqlite3.c'));
  }, 600_000);
  afterAll(() => scratch.dispose());

  for (const flags of flagMatrix()) {
    it(`gcc ${flags.join(' ')}: exact round trip and identity`, () => {
      const text = compileSqlite(dir, flags);
      expect(corpusProblems(text, `sqlite3.s (${flags.join(' ')})`)).toEqual([]);
    }, 900_000);
  }
});
