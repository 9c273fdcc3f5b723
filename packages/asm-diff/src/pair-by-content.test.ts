/**
 * Pairing clones by content across passes: a clone whose callee was renamed can only be
 * paired in the pass after its callee is, so its canonical form must be taken again then
 * (a kept one would still name the callee as new).
 */
import { generateMergedAssembly } from './generate.js';

function fn(name: string, body: string[], global = false): string[] {
  return [...(global ? [`\t.globl\t${name}`] : []), `\t.type\t${name}, @function`, `${name}:`, ...body, '\tret', `\t.size\t${name}, .-${name}`];
}

const opts = { originalName: 'a.s', patchedName: 'b.s' };

describe('pairing clones by content', () => {
  it('pairs a clone whose callee clone was renumbered, in a later pass', () => {
    const calls = (callee: string): string[] => ['\tmovl\t$7, %eax', `\tcall\t${callee}`];
    const original = [
      '\t.text',
      ...fn('g.isra.0', ['\tmovl\t$1, %eax']),
      ...fn('f.part.0', calls('g.isra.0')),
      ...fn('main', ['\tcall\tf.part.0'], true),
      '',
    ].join('\n');
    // gcc numbered the clones differently: g.isra.3 is g.isra.0, f.part.1 is f.part.0, and a
    // new clone f.part.0 comes first (a plain "first clone of the same kind" pairing would take it).
    const patched = [
      '\t.text',
      ...fn('g.isra.3', ['\tmovl\t$1, %eax']),
      ...fn('f.part.0', ['\tmovl\t$9, %eax']),
      ...fn('f.part.1', calls('g.isra.3')),
      ...fn('main', ['\tcall\tf.part.1', '\tcall\tf.part.0'], true),
      '',
    ].join('\n');
    const r = generateMergedAssembly(original, patched, opts);
    expect(r.report.added).toEqual(['f.part.0']);
    expect(r.report.changed).toEqual(['main']);
    expect(r.report.unchanged.sort()).toEqual(['f.part.0', 'g.isra.0']);
  });
});
