/**
 * Which symbols new code must reach through the GOT: named as `SYM(%rip)`, `SYM(,%reg,N)` or
 * `$SYM` in a changed or new function, defined in neither file (so they come from a shared
 * library, or another object), not gcc-local (`.L*`), not called or jumped to by the patched
 * file (a function), and never named by the ORIGINAL file. A symbol the original file
 * already uses keeps its direct reference: the original executable then already has whatever
 * the link made for it (a copy relocation), and the patch shares it. Rewriting only the others
 * means linking the patch adds nothing to `.bss`/`.data`.
 */
import type { Statement } from 'gnu-as-parser';
import type { Correlation } from './correlate.js';
import { dataOperand } from './got-rewrite.js';
import { statementsOf, type FileModel } from './model.js';

function dataSymbols(stmts: readonly Statement[], into: Set<string>): void {
  for (const s of stmts) {
    if (s.kind !== 'instruction' || /^(call|jmp)/.test(s.mnemonic) && !s.operandText.startsWith('*')) continue;
    const op = dataOperand(s.operandText);
    if (op !== undefined) into.add(op.symbol);
  }
}

/** Candidates the patched file calls or jumps to: functions (their address, taken as `$f` in non-PIE code, stays direct). */
function calledBy(m1: FileModel, candidates: Set<string>): Set<string> {
  const found = new Set<string>();
  const n = m1.file.statementCount;
  for (const s of n === 0 ? [] : m1.file.statementRange(0, n - 1)) {
    if (s.kind !== 'instruction' || !/^(call|jmp)/.test(s.mnemonic)) continue;
    const target = s.operandText.trim().replace(/@PLT$/, '');
    if (candidates.has(target)) found.add(target);
  }
  return found;
}

function mentionedBy(m0: FileModel, candidates: Set<string>): Set<string> {
  const found = new Set<string>();
  const n = m0.file.statementCount;
  if (n === 0) return found;
  for (const s of m0.file.statementRange(0, n - 1)) {
    if (s.section.name.startsWith('.debug')) continue;
    const text = s.kind === 'instruction' ? s.operandText : s.kind === 'directive' ? s.argText : s.kind === 'label' ? s.name : '';
    for (const c of candidates) if (text.includes(c) && (s.kind === 'label' ? text === c : isWordIn(text, c))) found.add(c);
  }
  return found;
}

/** `c` as a whole symbol in `text` (not inside a longer name, not in a string literal). */
function isWordIn(text: string, c: string): boolean {
  let at = text.indexOf(c);
  while (at >= 0) {
    const before = text[at - 1] ?? ' ';
    const after = text[at + c.length] ?? ' ';
    const quotes = (text.slice(0, at).match(/"/g) ?? []).length;
    if (!/[\w.$]/.test(before) && !/[\w.$]/.test(after) && quotes % 2 === 0) return true;
    at = text.indexOf(c, at + 1);
  }
  return false;
}

export function externalData(m0: FileModel, m1: FileModel, corr: Correlation): Set<string> {
  const named = new Set<string>();
  for (const p of corr.functionPairs) if (p.changed) dataSymbols(statementsOf(m1, p.f1), named);
  for (const f of corr.newFunctions) dataSymbols(statementsOf(m1, f), named);
  const candidates = new Set([...named].filter((s) => !s.startsWith('.L') && !m0.owner.has(s) && !m1.owner.has(s)));
  if (candidates.size === 0) return candidates;
  const seen = mentionedBy(m0, candidates);
  const called = calledBy(m1, candidates);
  return new Set([...candidates].filter((c) => !seen.has(c) && !called.has(c)));
}
