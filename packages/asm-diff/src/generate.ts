/**
 * generateMergedAssembly: the differ's passes in order — model, correlate, check safety,
 * name, emit. The merged text is the original text untouched (plus `F.Lfe:` labels) with
 * `.kpatch.*` sections inserted.
 */
import { TscareError } from '@tscare/errors';
import { isAutoName } from 'gnu-as-parser';
import { checkSafety, isEmptyFile } from './check-safety.js';
import { correlate, type Correlation, type FunctionPair } from './correlate.js';
import { emitCopy, emitInfo, type EmitContext } from './emit.js';
import { buildModel, statementsOf, type FileModel } from './model.js';
import { makeRename, type RenameFn } from './naming.js';
import type { DiffReport, GensrcOptions, GensrcResult } from './types.js';

function makeReport(corr: Correlation): DiffReport {
  return {
    changed: corr.functionPairs.filter((p) => p.changed).map((p) => p.f0.name),
    added: corr.newFunctions.map((f) => f.name),
    unchanged: corr.functionPairs.filter((p) => !p.changed).map((p) => p.f0.name),
    newVariables: corr.newVariables.map((v) => v.name),
  };
}

/** Text to put before / after given 0-based lines of the original. */
interface Insertions {
  readonly before: Map<number, string[]>;
  readonly after: Map<number, string[]>;
}

function add(map: Map<number, string[]>, line: number, text: string[]): void {
  map.set(line, [...(map.get(line) ?? []), ...text]);
}

/** `F.Lfe:` right before `.size F, .-F`: the end of F's hot part, in F's own section. */
function endOfOriginal(m0: FileModel, p: FunctionPair): number {
  const size = statementsOf(m0, p.f0).find((s) => s.kind === 'directive' && s.name === '.size' && s.args[0] === p.f0.name);
  if (!size) {
    throw new TscareError('DIFF_NO_SIZE', `function '${p.f0.name}' of ${m0.name} has no '.size ${p.f0.name}, .-${p.f0.name}' line`, {
      hint: 'the original assembly must come from gcc -S; hand-written functions need a .size line',
    });
  }
  return size.line - 1;
}

function emitChanged(ctx: EmitContext, m0: FileModel, m1: FileModel, p: FunctionPair, rename: RenameFn, ins: Insertions): void {
  const name = p.f0.name;
  const newsym = `${name}.kpatch`;
  if (p.replaceEntry) add(ins.before, endOfOriginal(m0, p), [`${name}.Lfe:`]);
  const lastLine = m0.file.statements[p.f0.last].line - 1;
  add(ins.after, lastLine, [
    '#---------- kpatch begin ---------',
    ...emitCopy(ctx, m1, p.f1, rename, { dropBinding: true, endLabel: `${name}.kpatch_end` }),
    '#---------- kpatch end -----------',
    ...emitInfo(ctx, { orig: p.replaceEntry ? name : undefined, newsym, name }),
  ]);
}

function emitNew(ctx: EmitContext, m1: FileModel, corr: Correlation, rename: RenameFn): string[] {
  const out: string[] = [];
  for (const v of corr.newVariables) {
    out.push('#---------- new var ---------', ...emitCopy(ctx, m1, v, rename, { dropBinding: false }));
  }
  for (const a of corr.newAliases) out.push(...emitCopy(ctx, m1, a, rename, { dropBinding: false }));
  for (const f of corr.newFunctions) {
    const newsym = rename(f.name);
    const base = isAutoName(f.name) ? newsym.replace(/\.kpatch$/, '') : f.name;
    out.push(
      '#---------- new func ---------',
      ...emitCopy(ctx, m1, f, rename, { dropBinding: false, endLabel: `${base}.kpatch_end` }),
      ...emitInfo(ctx, { newsym, name: base }),
    );
  }
  return out;
}

/**
 * With an empty original the output has no header/footer of its own: take the patched
 * file's `.file`, `.ident` and `.note.*` lines (the GNU-stack note keeps the stack non-executable).
 */
function fileMarkers(m1: FileModel): string[] {
  return m1.file.statements
    .filter((s) => s.kind === 'directive' && (/^\.(file|ident)$/.test(s.name) && s.args.length === 1 || (s.name === '.section' && s.section.name.startsWith('.note'))))
    .map((s) => `\t${s.text}`);
}

function weave(original: string, ins: Insertions, tail: string[]): string {
  const lines = original.split('\n');
  const hasFinalNewline = lines.length > 1 && lines[lines.length - 1] === '';
  const body = hasFinalNewline ? lines.slice(0, -1) : lines;
  const out: string[] = [];
  body.forEach((raw, i) => {
    out.push(...(ins.before.get(i) ?? []), raw, ...(ins.after.get(i) ?? []));
  });
  out.push(...tail);
  return out.join('\n') + (hasFinalNewline || original === '' ? '\n' : '');
}

export function generateMergedAssembly(original: string, patched: string, opts: GensrcOptions): GensrcResult {
  const m0 = buildModel(original, opts.originalName);
  const m1 = buildModel(patched, opts.patchedName);
  const corr = correlate(m0, m1);
  checkSafety(m0, m1, corr);
  const report = makeReport(corr);
  if (report.changed.length === 0 && report.added.length === 0 && report.newVariables.length === 0 && corr.newAliases.length === 0) {
    return { kind: 'unchanged', text: original, report };
  }
  const rename = makeRename(corr);
  const ctx: EmitContext = { pageShift: opts.pageShift ?? 12, dataOpened: false, strtabCount: 0 };
  const ins: Insertions = { before: new Map(), after: new Map() };
  for (const p of corr.functionPairs) if (p.changed) emitChanged(ctx, m0, m1, p, rename, ins);
  const tail = emitNew(ctx, m1, corr, rename);
  if (isEmptyFile(m0)) tail.push(...fileMarkers(m1));
  return { kind: 'merged', text: weave(original, ins, tail), report };
}
