/**
 * `.bss` follows `.kpatch.data` in the patched link, so it may start at a differently aligned
 * address than in the original and end with a few more bytes of padding (real g++ -shared
 * output: a C++ library fix that throws). undo-link takes that when ORIG's .symtab proves that
 * every symbol the patch uses is where it was, and refuses it when ORIG has no .symtab.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { isTscareError } from '@tscare/errors';
import { readElfFile } from '@tscare/elf';
import { buildKpatch } from './build.js';
import { buildGensrcPair } from './testing/gensrc-pair.js';
import { makeScratch, type Scratch } from './testing/toolchain.js';

const ORIGINAL = [
  '#include <stdexcept>', '#include <string>',
  'static volatile int parsed;',
  '__attribute__((noipa)) int parse_port(const std::string &text)', '{',
  '\tparsed = parsed + 1;', '\treturn std::stoi(text) & 0xffff;', '}', '',
].join('\n');
const PATCHED = ORIGINAL.replace('\treturn std::stoi(text) & 0xffff;',
  '\tint port = std::stoi(text);\n\tif (port < 0 || port > 0xffff) throw std::out_of_range("port " + text + " is out of range");\n\treturn port;');

let s: Scratch;
let pair: { orig: string; patched: string };

beforeAll(() => {
  s = makeScratch('tscare-bss-slack-');
  pair = buildGensrcPair(s, 'libparse.so', { compiler: 'g++', original: ORIGINAL, patched: PATCHED, flags: ['-O2', '-g', '-fPIC', '-shared'] });
});
afterAll(() => s.cleanup());

function bssSize(file: string): number {
  const bss = readElfFile(file).sectionByName('.bss');
  if (bss === undefined) throw new Error(`${file}: no .bss`);
  return bss.sh_size;
}

test('the precondition: the patched link\'s .bss is a few bytes longer than the original\'s', () => {
  const [o, p] = [bssSize(pair.orig), bssSize(pair.patched)];
  expect(p).not.toBe(o);
  expect(Math.abs(p - o)).toBeLessThan(64);
});

test('with ORIG\'s .symtab the padding is taken: the patch is built', async () => {
  const r = await buildKpatch({ original: pair.orig, patched: pair.patched, patchId: 'bss1' });
  expect(r.kind).toBe('built');
});

test('without ORIG\'s .symtab the sizes must match: KPATCH_LAYOUT_MISMATCH names .bss', async () => {
  const stripped = s.path('libparse.so.stripped');
  copyFileSync(pair.orig, stripped);
  execFileSync('strip', ['--strip-all', stripped]);
  let caught: unknown;
  try {
    await buildKpatch({ original: stripped, patched: pair.patched, patchId: 'bss2' });
  } catch (e) {
    caught = e;
  }
  expect(isTscareError(caught) && caught.code).toBe('KPATCH_LAYOUT_MISMATCH');
  expect((caught as Error).message).toMatch(/section \.bss is \d+ bytes in .* but \d+ bytes in .*stripped/);
});
