/**
 * Which symbols new code must reach through the GOT: named as `SYM(%rip)`, `SYM(,%reg,N)` or
 * `$SYM` in a changed or new function, defined in neither file (so they come from a shared
 * library, or another object), not gcc-local (`.L*`), not called or jumped to by the patched
 * file (a function), and never reached directly by an instruction of the ORIGINAL file. A
 * symbol the original's code already reaches directly keeps its direct reference: the
 * original executable then already has the copy relocation the link made for it, and the
 * patch shares it. Rewriting only the others means linking the patch adds nothing to
 * `.bss`/`.data`/`.data.rel.ro`.
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

/**
 * Candidates an instruction of the ORIGINAL file reaches directly (`SYM(%rip)`, `$SYM`,
 * `SYM(%reg)`): only such an access makes the link give the original executable a copy of
 * the variable, which the patch can then share. A symbol the original names only in data
 * (`.quad SYM` of a C++ `DW.ref` for a catch clause, a table of pointers) is reached through
 * a dynamic relocation instead: the original has no copy, so the patch must use the GOT.
 */
function accessedDirectlyBy(m0: FileModel, candidates: Set<string>): Set<string> {
  const direct = new Set<string>();
  const n = m0.file.statementCount;
  if (n === 0) return direct;
  const names = [...candidates];
  // Only instructions whose text names a candidate are decoded: the original has ~10^5 of them.
  const stmts = m0.file.statementRange(0, n - 1)
    .filter((s) => s.kind === 'instruction' && names.some((c) => s.operandText.includes(c)) && !s.section.name.startsWith('.debug'));
  dataSymbols(stmts, direct);
  return new Set(names.filter((c) => direct.has(c)));
}

export function externalData(m0: FileModel, m1: FileModel, corr: Correlation): Set<string> {
  const named = new Set<string>();
  for (const p of corr.functionPairs) if (p.changed) dataSymbols(statementsOf(m1, p.f1), named);
  for (const f of corr.newFunctions) dataSymbols(statementsOf(m1, f), named);
  const candidates = new Set([...named].filter((s) => !s.startsWith('.L') && !m0.owner.has(s) && !m1.owner.has(s)));
  if (candidates.size === 0) return candidates;
  const seen = accessedDirectlyBy(m0, candidates);
  const called = calledBy(m1, candidates);
  return new Set([...candidates].filter((c) => !seen.has(c) && !called.has(c)));
}
