/**
 * The same-text fast path must not hide a change of meaning: a function whose text is
 * identical but whose `.LC0` is another string in the patched file has changed.
 */
import { generateMergedAssembly } from './generate.js';

function file(strings: string[], fBody: string[] = []): string {
  return [
    '\t.section\t.rodata.str1.1,"aMS",@progbits,1',
    ...strings.flatMap((s, i) => [`.LC${i}:`, `\t.string\t"${s}"`]),
    '\t.text',
    '\t.globl\tf',
    '\t.type\tf, @function',
    'f:',
    ...fBody,
    '\tleaq\t.LC0(%rip), %rdi',
    '\tjmp\tputs@PLT',
    '\t.size\tf, .-f',
    '\t.globl\tg',
    '\t.type\tg, @function',
    'g:',
    `\tleaq\t.LC${strings.length - 1}(%rip), %rdi`,
    '\tjmp\tputs@PLT',
    '\t.size\tg, .-g',
    '',
  ].join('\n');
}

const opts = { originalName: 'a.s', patchedName: 'b.s' };

describe('same function text, different meaning', () => {
  it('a textually identical function whose string label now names another string is changed', () => {
    // f prints "old" in the original and "new" in the patched file, with the same text.
    const r = generateMergedAssembly(file(['old', 'kept']), file(['new', 'old', 'kept']), opts);
    expect(r.report.changed).toEqual(['f']);
    expect(r.report.newVariables).toEqual(['.LC0']);
    expect(r.report.unchanged).toEqual(['g']);
  });

  it('a textually different function with the same meaning (renumbered string) is unchanged', () => {
    const r = generateMergedAssembly(file(['old', 'kept']), file(['old', 'kept']).replace(/\.LC1/g, '.LC7'), opts);
    expect(r.kind).toBe('unchanged');
  });

  it('a symbol whose hash is also that of one of the function\'s own labels is still checked', () => {
    // The scan looks symbols up by hash (h = h * 31 + c): `.LBO` and `.LC0` share theirs
    // ('B' * 31 + 'O' === 'C' * 31 + '0'). f defines `.LBO`, so the hash is f's and also the
    // new string's: f must still be found changed, as `.LC0` now names another string.
    expect('B'.charCodeAt(0) * 31 + 'O'.charCodeAt(0)).toBe('C'.charCodeAt(0) * 31 + '0'.charCodeAt(0));
    const own = ['.LBO:', '\ttestl\t%edi, %edi', '\tjne\t.LBO'];
    const r = generateMergedAssembly(file(['old', 'kept'], own), file(['new', 'old', 'kept'], own), opts);
    expect(r.report.changed).toEqual(['f']);
    expect(r.report.unchanged).toEqual(['g']);
    const same = generateMergedAssembly(file(['old', 'kept'], own), file(['old', 'kept'], own), opts);
    expect(same.kind).toBe('unchanged');
  });
});
