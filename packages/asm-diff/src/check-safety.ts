/**
 * Refusals: what a hot patch cannot do (change or remove existing data, touch TLS layout,
 * change top-level statements). Each error names the symbol, the reason and a hint.
 */
import { TscareError } from '@tscare/errors';
import { isAutoName, isSectionDirective, mapSymbols, type VariableBlock } from 'gnu-as-parser';
import { canonicalForm, firstDifference, identityKey, keyFor1, sameForm } from './canon.js';
import type { Correlation } from './correlate.js';
import { isIgnorable } from './ignorable.js';
import { sameBlockText } from './same-text.js';
import { isTlsVariable, isWritableVariable, statementsOf, type FileModel } from './model.js';

const DATA_HINT =
  'a hot patch cannot change data that already exists in the running program: keep the old definition ' +
  '(set a new value from code instead, or add a new variable), or restart the program';

function checkPairs(m0: FileModel, m1: FileModel, corr: Correlation): void {
  const key1 = keyFor1(m1, corr.map10);
  for (const [v1, v0] of corr.variablePairs) {
    if (sameBlockText(corr.sameText, v0, v1)) continue;
    const a = canonicalForm(m0, v0, identityKey);
    const b = canonicalForm(m1, v1, key1);
    if (sameForm(a, b)) continue;
    const tls = isTlsVariable(m0, v0);
    const size0 = variableSize(m0, v0);
    const size1 = variableSize(m1, v1);
    if (size0 !== size1) {
      throw new TscareError(
        tls ? 'DIFF_TLS_CHANGED' : 'DIFF_VAR_CHANGED',
        `${tls ? 'thread-local ' : ''}variable '${v0.name}' changed its size from ${size0 ?? '?'} to ${size1 ?? '?'} bytes ` +
          `between ${m0.name} and ${m1.name} (a changed struct layout or array length?)`,
        { hint: `${DATA_HINT}; code that uses the new layout must not run against the old object` },
      );
    }
    throw new TscareError(
      tls ? 'DIFF_TLS_CHANGED' : 'DIFF_VAR_CHANGED',
      `${tls ? 'thread-local ' : ''}variable '${v0.name}' changed its initial value, size or section between ` +
        `${m0.name} and ${m1.name} (${firstDifference(a, b)})`,
      { hint: DATA_HINT },
    );
  }
}

/** The byte size a variable declares (`.size V, N` or `.comm V,N,A`), when it is a plain number. */
function variableSize(m: FileModel, v: VariableBlock): string | undefined {
  for (const st of statementsOf(m, v)) {
    if (st.kind !== 'directive') continue;
    if (st.name === '.size' && st.args[0] === v.name) return st.args[1];
    if ((st.name === '.comm' || st.name === '.lcomm') && st.args[0] === v.name) return st.args[1];
  }
  return undefined;
}

function checkRemoved(m0: FileModel, m1: FileModel, corr: Correlation): void {
  const paired0 = new Set(corr.variablePairs.values());
  const new1 = new Set(corr.newVariables.map((v) => v.humanName));
  for (const v0 of m0.variables) {
    if (paired0.has(v0)) continue;
    const tls = isTlsVariable(m0, v0);
    // gcc's own read-only constants (strings, switch tables) may vanish: old code keeps its copy.
    if (!tls && isAutoName(v0.name) && !isWritableVariable(m0, v0)) continue;
    const changed = new1.has(v0.humanName);
    const code = tls ? 'DIFF_TLS_CHANGED' : changed ? 'DIFF_VAR_CHANGED' : 'DIFF_VAR_REMOVED';
    const what = changed ? 'changed its initial value or size' : 'was removed';
    throw new TscareError(code, `variable '${v0.name}' of ${m0.name} ${what} in ${m1.name}`, { hint: DATA_HINT });
  }
}

function checkNewTls(m1: FileModel, corr: Correlation): void {
  for (const v1 of corr.newVariables) {
    if (!isTlsVariable(m1, v1)) continue;
    throw new TscareError('DIFF_TLS_NEW', `new thread-local variable '${v1.name}' in ${m1.name}`, {
      hint: 'thread-local storage of a running program cannot grow; use a global variable or restart the program',
    });
  }
}

function checkAliases(m1: FileModel, corr: Correlation): void {
  for (const [a1, a0] of corr.aliasPairs) {
    const target = mapSymbols(a1.target, (s) => corr.map10.get(s) ?? s);
    if (target === a0.target) continue;
    throw new TscareError('DIFF_ALIAS_CHANGED', `alias '${a0.name}' now stands for '${a1.target}' in ${m1.name} (was '${a0.target}')`, {
      hint: 'an existing symbol alias cannot be re-pointed by a hot patch; patch the function it names instead',
    });
  }
}

/** Statements outside every function/variable (constructors tables, top-level asm, ...). */
function topLevel(m: FileModel, rename: (s: string) => string): string[] {
  const out: string[] = [];
  for (const b of m.blocks) {
    if (b.kind !== 'other') continue;
    for (const s of statementsOf(m, b)) {
      if (isIgnorable(s) || isSectionDirective(s) || s.section.name.startsWith('.debug')) continue;
      if (s.kind === 'label') continue;
      if (s.kind === 'directive' && /^\.(ident|file|cfi_sections|align|p2align|balign)$/.test(s.name)) continue;
      const text = s.kind === 'directive' ? `${s.name} ${s.argText}` : s.kind === 'instruction' ? `${s.mnemonic} ${s.operandText}` : '';
      out.push(`|${mapSymbols(text, rename)} (section ${s.section.name})`);
    }
  }
  return out;
}

function checkTopLevel(m0: FileModel, m1: FileModel, corr: Correlation): void {
  if (isEmptyFile(m0)) return;
  const a = topLevel(m0, (s) => s);
  const b = topLevel(m1, (s) => corr.map10.get(s) ?? s);
  if (sameForm(a, b)) return;
  throw new TscareError('DIFF_TOPLEVEL_CHANGED', `statements outside any function or variable differ between ${m0.name} and ${m1.name} (${firstDifference(a, b)})`, {
    hint: 'constructors, top-level asm and section-level data cannot be changed by a hot patch',
  });
}

/** An empty original (`/dev/null`, as LibcarePlus allows): everything in the patched file is new. */
export function isEmptyFile(m: FileModel): boolean {
  for (let i = 0; i < m.file.statementCount; i++) {
    const kind = m.file.statementAt(i).kind;
    if (kind !== 'blank' && kind !== 'comment') return false;
  }
  return true;
}

export function checkSafety(m0: FileModel, m1: FileModel, corr: Correlation): void {
  checkPairs(m0, m1, corr);
  checkRemoved(m0, m1, corr);
  checkNewTls(m1, corr);
  checkAliases(m1, corr);
  checkTopLevel(m0, m1, corr);
}

