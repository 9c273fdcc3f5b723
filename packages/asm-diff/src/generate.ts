/**
 * generateMergedAssembly: the differ's passes in order — model, correlate, check safety,
 * name, emit. The merged text is the original text untouched (plus `F.Lfe:` labels) with
 * `.kpatch.*` sections inserted.
 */
import { TscareError } from '@tscare/errors';
import { isAutoName } from 'gnu-as-parser';
import { checkSafety, isEmptyFile } from './check-safety.js';
import { correlate, type Correlation, type FunctionPair } from './correlate.js';
import { externalData } from './external-data.js';
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
  const lastLine = m0.file.statementAt(p.f0.last).line - 1;
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
  return m1.file
    .statementRange(0, m1.file.statementCount - 1)
    .filter((s) => s.kind === 'directive' && (/^\.(file|ident)$/.test(s.name) && s.args.length === 1 || (s.name === '.section' && s.section.name.startsWith('.note'))))
    .map((s) => `\t${s.text}`);
}

/**
 * The text of an `unchanged` result: the original, byte for byte. An empty original (a new
 * file) whose patched file defines nothing still gets the patched file's markers, so that its
 * object keeps `.note.GNU-stack` (without it the linker makes the patch's stack executable).
 */
function unchangedText(original: string, m0: FileModel, m1: FileModel): string {
  if (!isEmptyFile(m0) || isEmptyFile(m1)) return original;
  return [...original.split('\n').filter((l) => l !== ''), ...fileMarkers(m1)].join('\n') + '\n';
}

/** The original text with the insertions put in at line boundaries (the text itself is not split). */
function weave(original: string, ins: Insertions, tail: string[]): string {
  const at = [...new Set([...ins.before.keys(), ...ins.after.keys()])].sort((a, b) => a - b);
  const parts: string[] = [];
  let line = 0;
  let pos = 0;
  let copied = 0;
  for (const target of at) {
    while (line < target) {
      pos = original.indexOf('\n', pos) + 1;
      line++;
    }
    const lineEnd = original.indexOf('\n', pos);
    const end = lineEnd < 0 ? original.length : lineEnd;
    parts.push(original.slice(copied, pos), ...(ins.before.get(target) ?? []).map((t) => t + '\n'), original.slice(pos, end));
    const after = ins.after.get(target) ?? [];
    parts.push(...after.map((t) => '\n' + t));
    copied = end;
  }
  parts.push(original.slice(copied));
  if (!original.endsWith('\n') && original !== '') parts.push('\n');
  // Merged text is always newline-terminated, whatever the original's last line was: gas
  // warns "end of file not at end of a line" otherwise (an empty or comment-only original
  // of a new file, or a hand-written file without its final newline).
  parts.push(...tail.map((t) => t + '\n'));
  return parts.join('');
}

export function generateMergedAssembly(original: string, patched: string, opts: GensrcOptions): GensrcResult {
  const m0 = buildModel(original, opts.originalName);
  const m1 = buildModel(patched, opts.patchedName, m0);
  const corr = correlate(m0, m1);
  checkSafety(m0, m1, corr);
  const report = makeReport(corr);
  if (report.changed.length === 0 && report.added.length === 0 && report.newVariables.length === 0 && corr.newAliases.length === 0) {
    return { kind: 'unchanged', text: unchangedText(original, m0, m1), report };
  }
  const rename = makeRename(corr);
  const ctx: EmitContext = {
    pageShift: opts.pageShift ?? 12,
    dataOpened: false,
    strtabCount: 0,
    externalData: externalData(m0, m1, corr),
    fileName: opts.patchedName,
  };
  const ins: Insertions = { before: new Map(), after: new Map() };
  for (const p of corr.functionPairs) if (p.changed) emitChanged(ctx, m0, m1, p, rename, ins);
  const tail = emitNew(ctx, m1, corr, rename);
  if (isEmptyFile(m0)) tail.push(...fileMarkers(m1));
  return { kind: 'merged', text: weave(original, ins, tail), report };
}
