/** parseAssembly / printAssembly: GNU as text ⇄ statements, with the exact round trip. */
import type { AsmFile, AsmLine, Section, Statement } from './types.js';
import { splitArgs, splitLine, syntaxError, type Piece } from './split-line.js';
import {
  initialState,
  popSection,
  previousSection,
  pushSection,
  resolveSection,
  subsection,
  switchTo,
  type KnownSections,
  type SectionState,
} from './section-stack.js';

interface Where {
  readonly fileName: string;
  readonly line: number;
  readonly col: number;
}

function unquote(s: string): string {
  return s.startsWith('"') && s.endsWith('"') && s.length >= 2 ? s.slice(1, -1) : s;
}

/** `.section NAME[,"flags"[,@type...]]` (also `.pushsection`); a numeric 2nd arg is a subsection. */
function sectionFromArgs(known: KnownSections, args: readonly string[], where: Where): Section {
  const name = unquote(args[0] ?? '');
  if (name === '') throw syntaxError(where.fileName, where.line, where.col, 'section directive without a name');
  const second = args[1];
  if (second !== undefined && /^\d+$/.test(second)) return resolveSection(known, name, undefined, undefined, Number(second));
  const flags = second !== undefined ? unquote(second) : undefined;
  const type = args[2]?.replace(/^[@%]/, '');
  return resolveSection(known, name, flags, type);
}

/** The section state after one directive; unchanged for directives that do not switch. */
function applyDirective(
  st: SectionState,
  known: KnownSections,
  name: string,
  args: readonly string[],
  where: Where,
): SectionState {
  switch (name) {
    case '.text':
    case '.data':
    case '.bss':
      return switchTo(st, resolveSection(known, name, undefined, undefined, Number(args[0] ?? 0) || 0));
    case '.section':
      return switchTo(st, sectionFromArgs(known, args, where));
    case '.pushsection':
      return pushSection(st, sectionFromArgs(known, args, where));
    case '.popsection': {
      const popped = popSection(st);
      if (!popped) throw syntaxError(where.fileName, where.line, where.col, '.popsection without a matching .pushsection');
      return popped;
    }
    case '.previous':
      return previousSection(st);
    case '.subsection':
      return subsection(st, Number(args[0] ?? 0) || 0);
    default:
      return st;
  }
}

function bodyStatement(piece: Piece, where: Where, st: SectionState, known: KnownSections): [Statement, SectionState] {
  const text = piece.text;
  const m = /^(\S+)\s*(.*)$/.exec(text);
  const word = m ? m[1] : text;
  const rest = m ? m[2].trim() : '';
  const base = { line: where.line, col: where.col, text };
  if (word.startsWith('.')) {
    const args = splitArgs(rest);
    const next = applyDirective(st, known, word, args, where);
    return [{ ...base, kind: 'directive', name: word, args, argText: rest, section: next.current }, next];
  }
  if (!/^[A-Za-z_]/.test(word)) {
    throw syntaxError(where.fileName, where.line, where.col, `unexpected '${word}' at the start of a statement`);
  }
  return [{ ...base, kind: 'instruction', mnemonic: word, operands: splitArgs(rest), operandText: rest, section: st.current }, st];
}

export function parseAssembly(text: string, fileName: string): AsmFile {
  const rawLines = text.split('\n');
  const lines: AsmLine[] = [];
  const statements: Statement[] = [];
  const known: KnownSections = new Map();
  let st = initialState();
  rawLines.forEach((raw, idx) => {
    const lineNo = idx + 1;
    const indexes: number[] = [];
    const pieces = splitLine(raw, fileName, lineNo);
    if (pieces.length === 0) {
      indexes.push(statements.length);
      statements.push({ kind: 'blank', line: lineNo, col: 1, text: '', section: st.current });
    }
    for (const piece of pieces) {
      const where = { fileName, line: lineNo, col: piece.offset + 1 };
      indexes.push(statements.length);
      if (piece.kind === 'label') {
        statements.push({ kind: 'label', name: unquote(piece.text), line: lineNo, col: where.col, text: piece.text + ':', section: st.current });
      } else if (piece.kind === 'comment') {
        statements.push({ kind: 'comment', line: lineNo, col: where.col, text: piece.text, section: st.current });
      } else {
        const [stmt, next] = bodyStatement(piece, where, st, known);
        statements.push(stmt);
        st = next;
      }
    }
    lines.push({ number: lineNo, raw, statementIndexes: indexes });
  });
  return { fileName, lines, statements };
}

/** Prints a parsed file back: the exact input text. */
export function printAssembly(file: AsmFile): string {
  return file.lines.map((l) => l.raw).join('\n');
}
