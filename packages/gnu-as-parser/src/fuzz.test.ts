/**
 * Fuzzing parseAssembly: real gcc output as seeds (the C fixtures at several flags), then
 * deterministic mutations (lines deleted, duplicated, swapped; syntax characters inserted;
 * cuts mid-line; control bytes and non-ASCII) and random text. Each input either parses and
 * prints back byte for byte, or is refused with TscareError('GAS_SYNTAX'); nothing else.
 * Each parse is timed: superlinear behaviour on long lines shows up as a slow parse.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTscareError } from '@tscare/errors';
import { parseAssembly, printAssembly } from './parse.js';
import { compileToAsm } from './test-support/gcc.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'c');
const FLAGS = [['-O2', '-g'], ['-O0'], ['-O2', '-fPIC', '-ffunction-sections']];
const SEED = 0x67617321;
const MUTANTS = 2500;
const RANDOM = 1500;
const SLOW_MS = 250;
/** Characters that mean something to gas: quotes, escapes, comments, separators, operands. */
const SYNTAX = ['"', '\\', '#', ';', '/*', '*/', ',', '(', ')', ':', '@', '%', '$', '.', '\t', ' ', '\n', "'", '\r', '\0', 'é', '\u2028', '"\\"', '0x', '-', '+', '.L', '.section', '.string "', '.ascii "'];

/** mulberry32, so a failure can be replayed from its index. */
function rng(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Outcome = { kind: 'parsed' } | { kind: 'refused' } | { kind: 'bad'; detail: string };

function tryParse(text: string): { outcome: Outcome; ms: number } {
  const t0 = performance.now();
  try {
    const printed = printAssembly(parseAssembly(text, 'fuzz.s'));
    const ms = performance.now() - t0;
    return { outcome: printed === text ? { kind: 'parsed' } : { kind: 'bad', detail: 'printAssembly(parseAssembly(x)) !== x' }, ms };
  } catch (e) {
    const ms = performance.now() - t0;
    if (isTscareError(e) && e.code === 'GAS_SYNTAX') return { outcome: { kind: 'refused' }, ms };
    return { outcome: { kind: 'bad', detail: isTscareError(e) ? `TscareError ${e.code}: ${e.message}` : String((e as Error)?.stack ?? e) }, ms };
  }
}

function pick<T>(next: () => number, xs: readonly T[]): T {
  return xs[Math.floor(next() * xs.length)];
}

/** One mutation of `text`; the mutant keeps most of real gcc output around the damage. */
function mutate(text: string, next: () => number): string {
  const lines = text.split('\n');
  const at = Math.floor(next() * lines.length);
  switch (Math.floor(next() * 7)) {
    case 0: lines.splice(at, 1 + Math.floor(next() * 5)); return lines.join('\n');
    case 1: lines.splice(at, 0, ...lines.slice(at, at + 1 + Math.floor(next() * 5))); return lines.join('\n');
    case 2: { const other = Math.floor(next() * lines.length); [lines[at], lines[other]] = [lines[other], lines[at]]; return lines.join('\n'); }
    case 3: { const pos = Math.floor(next() * text.length); return text.slice(0, pos) + pick(next, SYNTAX) + text.slice(pos); }
    case 4: { const pos = Math.floor(next() * text.length); return text.slice(0, pos) + text.slice(pos + 1 + Math.floor(next() * 20)); }
    case 5: return text.slice(0, Math.floor(next() * text.length));
    default: {
      const line = lines[at];
      const pos = Math.floor(next() * (line.length + 1));
      lines[at] = line.slice(0, pos) + String.fromCharCode(Math.floor(next() * 0x250)) + line.slice(pos);
      return lines.join('\n');
    }
  }
}

function randomText(next: () => number): string {
  let out = '';
  for (let n = Math.floor(next() * 60); n > 0; n--) out += next() < 0.6 ? pick(next, SYNTAX) : String.fromCharCode(32 + Math.floor(next() * 95));
  return out;
}

describe('parseAssembly under random and mutated input', () => {
  const seeds: string[] = [];
  beforeAll(() => {
    const sources = readdirSync(fixtures).filter((f) => f.endsWith('.c'));
    if (sources.length === 0) throw new Error(`no C fixtures in ${fixtures}`);
    for (const src of sources) for (const flags of FLAGS) seeds.push(compileToAsm(join(fixtures, src), flags));
  });

  function check(inputs: Iterable<[string, string]>): Record<Outcome['kind'], number> {
    const counts = { parsed: 0, refused: 0, bad: 0 };
    for (const [label, text] of inputs) {
      const { outcome, ms } = tryParse(text);
      counts[outcome.kind]++;
      if (outcome.kind === 'bad') throw new Error(`${label}: ${outcome.detail}\ninput (${text.length} chars): ${JSON.stringify(text.slice(0, 300))}`);
      if (ms > SLOW_MS) throw new Error(`${label}: parse took ${ms.toFixed(0)} ms for ${text.length} chars`);
    }
    return counts;
  }

  test('the real seeds parse and print back', () => {
    expect(seeds.length).toBeGreaterThanOrEqual(3);
    expect(check(seeds.map((t, i) => [`seed ${i}`, t]))).toEqual({ parsed: seeds.length, refused: 0, bad: 0 });
  });

  test(`${MUTANTS} mutants of gcc output: only GAS_SYNTAX or an exact round trip`, () => {
    function* inputs(): Generator<[string, string]> {
      for (let i = 0; i < MUTANTS; i++) {
        const next = rng(SEED ^ Math.imul(i + 1, 0x9e3779b1));
        let text = seeds[i % seeds.length];
        for (let k = 1 + Math.floor(next() * 3); k > 0; k--) text = mutate(text, next);
        yield [`mutant ${i} (seed ${SEED})`, text];
      }
    }
    const counts = check(inputs());
    // Both outcomes must occur, or the mutations are not reaching the parser's checks.
    process.stdout.write(`gas fuzz: ${JSON.stringify(counts)}\n`);
    expect(counts.parsed).toBeGreaterThan(0);
    expect(counts.refused).toBeGreaterThan(0);
  }, 60000);

  test(`${RANDOM} random texts and long pathological lines`, () => {
    function* inputs(): Generator<[string, string]> {
      for (let i = 0; i < RANDOM; i++) yield [`random ${i}`, randomText(rng(SEED + i))];
      const long = 20000;
      for (const unit of ['"', '\\', '"\\', '#', '/*', '*/', ';', ',', '.L1:', 'a', ' ', '\\"']) {
        yield [`long ${JSON.stringify(unit)}`, unit.repeat(long)];
        yield [`.string + long ${JSON.stringify(unit)}`, `\t.string "${unit.repeat(long)}`];
        yield [`insn + long ${JSON.stringify(unit)}`, `\tmovl\t${unit.repeat(long)}, %eax`];
      }
      yield ['many lines', '\tnop\n'.repeat(50000)];
      yield ['many labels', Array.from({ length: 20000 }, (_, i) => `.L${i}:`).join('\n')];
    }
    const counts = check(inputs());
    expect(counts.parsed + counts.refused).toBeGreaterThan(RANDOM);
  }, 60000);
});
