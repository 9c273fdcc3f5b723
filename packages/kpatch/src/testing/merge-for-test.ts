/**
 * Test support: a tiny stand-in for tscare-gensrc that copies ONE function of real gcc
 * output into .kpatch.text (labels renamed `.kpatch`) and adds its info entry, in the
 * conventions of the reference §2.3. `edit` may change the copied body. Only used to
 * make real original/patched binary pairs for the strip chain's tests.
 */
export interface MergeOptions {
  /** Rewrites the copied body (after renaming). */
  edit?: (body: string) => string;
  /** Describe the copy as a new function (daddr = dlen = 0). */
  asNew?: boolean;
}

export function mergeFunctionCopy(asm: string, func: string, opts: MergeOptions = {}): string {
  const lines = asm.split('\n');
  const start = lines.indexOf(`${func}:`);
  const end = lines.findIndex((l, i) => i > start && new RegExp(`^\\s*\\.size\\s+${func.replace(/\./g, '\\.')},`).test(l));
  if (start < 0 || end < 0) throw new Error(`function ${func} not found in the assembly`);
  const body = lines.slice(start, end + 1);
  const defined = new Set(body.map((l) => /^([.\w$]+):/.exec(l)?.[1]).filter((l): l is string => l !== undefined));
  const renamed = body.map((l) => l.replace(/[A-Za-z_.$][\w.$]*/g, (t) => (defined.has(t) ? `${t}.kpatch` : t))).join('\n');
  const copy = opts.edit === undefined ? renamed : opts.edit(renamed);
  const f = func;
  const info = [
    '\t.pushsection .kpatch.text,"ax",@progbits', copy, `${f}.kpatch_end:`, '\t.popsection',
    '\t.pushsection .kpatch.strtab,"a",@progbits', 'kpatch_strtab1:', `\t.string "${f}.kpatch"`, '\t.popsection',
    '\t.pushsection .kpatch.info,"a",@progbits', `${f}.Lpi:`,
    opts.asNew ? '\t.quad 0' : `\t.quad ${f}`, `\t.quad ${f}.kpatch`,
    opts.asNew ? '\t.long 0' : `\t.long ${f}.Lfe - ${f}`, `\t.long ${f}.kpatch_end - ${f}.kpatch`,
    '\t.quad kpatch_strtab1', '\t.quad 0', '\t.long 0', '\t.byte 0, 0, 0, 0', '\t.popsection',
  ];
  return [...lines.slice(0, end + 1), `${f}.Lfe:`, ...info, ...lines.slice(end + 1)].join('\n');
}
