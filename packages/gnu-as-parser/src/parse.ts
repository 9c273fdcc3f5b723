/** parseAssembly / printAssembly: GNU as text ⇄ statements, with the exact round trip. */
import type { AsmFile, Section } from './types.js';
import { splitArgs, splitLine, syntaxError } from './split-line.js';
import { ParsedFile, StatementTable } from './statement-table.js';
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

/** Directives that change the section state, and so need their arguments at parse time. */
const SECTION_SWITCHES = new Set(['.text', '.data', '.bss', '.section', '.pushsection', '.popsection', '.previous', '.subsection']);

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 11 || c === 12 || c === 13;
}

/** A directive or instruction spanning `start..end` of `src` (trimmed): adds its row, returns the section state after it. */
function bodyStatement(table: StatementTable, src: string, start: number, end: number, where: Where, st: SectionState, known: KnownSections): SectionState {
  let gap = start;
  while (gap < end && !isSpace(src.charCodeAt(gap))) gap++;
  const first = src.charCodeAt(start);
  if (first === 46 /* . */) {
    const word = src.slice(start, gap);
    if (!SECTION_SWITCHES.has(word)) {
      table.directive(start, end, where.line, where.col, gap, st.current);
      return st;
    }
    const args = splitArgs(src.slice(gap, end));
    const next = applyDirective(st, known, word, args, where);
    table.directive(start, end, where.line, where.col, gap, next.current, args);
    return next;
  }
  const isLetter = (first >= 97 && first <= 122) || (first >= 65 && first <= 90) || first === 95;
  if (!isLetter) {
    throw syntaxError(where.fileName, where.line, where.col, `unexpected '${src.slice(start, gap)}' at the start of a statement`);
  }
  table.instruction(start, end, where.line, where.col, gap, st.current);
  return st;
}

export function parseAssembly(text: string, fileName: string): AsmFile {
  const table = new StatementTable();
  const known: KnownSections = new Map();
  let st = initialState();
  let lineNo = 0;
  for (let lineStart = 0; lineStart <= text.length; ) {
    const nl = text.indexOf('\n', lineStart);
    const lineEnd = nl < 0 ? text.length : nl;
    lineNo++;
    const pieces = splitLine(text.slice(lineStart, lineEnd), fileName, lineNo);
    if (pieces.length === 0) table.blank(lineNo, st.current);
    for (const piece of pieces) {
      const start = lineStart + piece.offset;
      const end = start + piece.text.length;
      const col = piece.offset + 1;
      if (piece.kind === 'label') table.label(start, end, lineNo, col, st.current);
      else if (piece.kind === 'comment') table.comment(start, end, lineNo, col, st.current);
      else st = bodyStatement(table, text, start, end, { fileName, line: lineNo, col }, st, known);
    }
    if (nl < 0) break;
    lineStart = nl + 1;
  }
  return new ParsedFile(fileName, text, table);
}

/** Prints a parsed file back: the exact input text. */
export function printAssembly(file: AsmFile): string {
  return file.lines.map((l) => l.raw).join('\n');
}
