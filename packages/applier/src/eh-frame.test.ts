/** .eh_frame parsing and CFA rules on real gcc/binutils output. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readElfFile, STT_FUNC, type ElfFile } from '@tscare/elf';
import { cfaRowAt } from './cfa-rules.js';
import { evalDwarfExpr } from './dwarf-expr.js';
import { EhFrame } from './eh-frame.js';
import { FIXTURES } from './test-targets.js';

let dir: string;
let withHdr: ElfFile;
let withoutHdr: ElfFile;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscare-ehframe-'));
  const src = path.join(FIXTURES, 'unwind', 'chain.c');
  // -z lazy keeps a classic .plt, whose FDE describes the CFA with a DWARF expression.
  execFileSync('gcc', ['-O2', '-fomit-frame-pointer', '-Wl,-z,lazy', '-o', path.join(dir, 'a'), src, '-lpthread']);
  execFileSync('gcc', ['-O2', '-fomit-frame-pointer', '-Wl,--no-eh-frame-hdr', '-o', path.join(dir, 'b'), src, '-lpthread']);
  withHdr = readElfFile(path.join(dir, 'a'));
  withoutHdr = readElfFile(path.join(dir, 'b'));
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function functions(elf: ElfFile): { name: string; start: number; end: number }[] {
  const symtab = elf.sections.find((s) => s.name === '.symtab')!;
  return elf.symbols(symtab).filter((s) => s.type === STT_FUNC && s.st_size > 0)
    .map((s) => ({ name: s.name, start: s.st_value, end: s.st_value + s.st_size }));
}

test.each([['.eh_frame_hdr table', () => withHdr], ['walk of .eh_frame', () => withoutHdr]])('every function is covered by one FDE (%s)', (_, elf) => {
  const eh = new EhFrame(elf());
  const fns = functions(elf());
  expect(fns.map((f) => f.name)).toEqual(expect.arrayContaining(['main', 'level0', 'level1', 'level2', 'level3', 'worker']));
  for (const f of fns) {
    const fde = eh.find(f.start);
    expect(fde).toBeDefined();
    expect(fde!.pcBegin).toBeLessThanOrEqual(f.start);
    expect(fde!.pcEnd).toBeGreaterThanOrEqual(f.end);
    expect(eh.find(f.end - 1)).toEqual(fde);
  }
  expect(eh.find(0)).toBeUndefined();
});

test('a function entry has CFA = rsp+8 and the return address at CFA-8; level3 moves its CFA in its prologue', () => {
  const eh = new EhFrame(withHdr);
  const level3 = functions(withHdr).find((f) => f.name === 'level3')!;
  const entry = cfaRowAt(eh.find(level3.start)!, level3.start);
  expect(entry.cfa).toEqual({ kind: 'reg-offset', reg: 7, offset: 8 });
  expect(entry.regs.get(16)).toEqual({ kind: 'offset', offset: -8 });
  const offsets = new Set<number>();
  for (let pc = level3.start; pc < level3.end; pc++) {
    const row = cfaRowAt(eh.find(pc)!, pc);
    if (row.cfa.kind === 'reg-offset') offsets.add(row.cfa.offset);
  }
  // Pushes of callee-saved registers and the local array: several distinct CFA offsets.
  expect(offsets.size).toBeGreaterThanOrEqual(3);
});

test('the .plt FDE gives rsp+8 before an entry\'s push and rsp+16 after it (DWARF expression)', () => {
  const eh = new EhFrame(withHdr);
  const plt = withHdr.sectionByName('.plt')!;
  expect(plt).toBeDefined();
  const entry = plt.sh_addr + 16; // PLT0 is 16 bytes; each entry: jmp *GOT (6), push (5), jmp PLT0 (5)
  const cfaAt = (pc: number): number => {
    const row = cfaRowAt(eh.find(pc)!, pc);
    expect(row.cfa.kind).toBe('expression');
    if (row.cfa.kind !== 'expression') return NaN;
    return evalDwarfExpr(row.cfa.expr, { reg: (n) => (n === 7 ? 0x7ffc0000 : n === 16 ? pc : undefined), read64: () => undefined });
  };
  expect(cfaAt(entry)).toBe(0x7ffc0008);
  expect(cfaAt(entry + 6)).toBe(0x7ffc0008);
  expect(cfaAt(entry + 11)).toBe(0x7ffc0010);
});
