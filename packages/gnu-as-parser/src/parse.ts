/** parseAssembly / printAssembly: GNU as text ⇄ statements, with the exact round trip. */
import type { AsmFile, Section } from './types.js';
import { PIECE_COMMENT, PIECE_LABEL, scanLine, splitArgs, syntaxError, tabbedBodyEnd } from './split-line.js';
import { ParsedFile, StatementTable } from './statement-table.js';
import { countLines, sharedLines, type SharedLines } from './shared-lines.js';
import {
  initialState,
  popSection,
  previousSection,
  pushSection,
  resolveSection,
  sameSectionState,
  subsection,
  switchTo,
  type KnownSections,
  type SectionState,
} from './section-stack.js';

/** Where a statement is; one object per file, updated as the parser moves (not one per statement). */
interface Where {
  readonly fileName: string;
  line: number;
  col: number;
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

/**
 * False when the directive word `start..gap` cannot be a section switch, judged by its length
 * and second letter: most directives (`.loc`, `.long`, `.cfi_*`) are then added without
 * making a string of their name.
 */
function maySwitchSection(src: string, start: number, gap: number): boolean {
  const n = gap - start;
  if (n !== 4 && n !== 5 && n !== 8 && n !== 9 && n !== 11 && n !== 12) return false;
  const c = src.charCodeAt(start + 1);
  return c === 116 /* t */ || c === 100 /* d */ || c === 98 /* b */ || c === 115 /* s */ || c === 112 /* p */;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 11 || c === 12 || c === 13;
}

/** A directive or instruction spanning `start..end` of `src` (trimmed): adds its row, returns the section state after it. */
function bodyStatement(table: StatementTable, src: string, start: number, end: number, at: Where, st: SectionState, known: KnownSections): SectionState {
  let gap = start;
  while (gap < end && !isSpace(src.charCodeAt(gap))) gap++;
  const first = src.charCodeAt(start);
  if (first === 46 /* . */) {
    if (!maySwitchSection(src, start, gap)) {
      table.directive(start, end, at.line, at.col, gap, st.current);
      return st;
    }
    const word = src.slice(start, gap);
    if (!SECTION_SWITCHES.has(word)) {
      table.directive(start, end, at.line, at.col, gap, st.current);
      return st;
    }
    const args = splitArgs(src.slice(gap, end));
    const next = applyDirective(st, known, word, args, at);
    table.directive(start, end, at.line, at.col, gap, next.current, args);
    return next;
  }
  const isLetter = (first >= 97 && first <= 122) || (first >= 65 && first <= 90) || first === 95;
  if (!isLetter) {
    throw syntaxError(at.fileName, at.line, at.col, `unexpected '${src.slice(start, gap)}' at the start of a statement`);
  }
  table.instruction(start, end, at.line, at.col, gap, st.current);
  return st;
}

export interface ParseOptions {
  /**
   * Do not make statements for the lines of `.debug_*` sections (they get none; every other
   * line is parsed as usual and keeps its line number). The differ never reads debug info,
   * and in a `-g` file it is about 70% of the lines. Lines in those sections are not checked
   * for syntax; the lines that switch sections are still parsed.
   */
  readonly skipDebugSections?: boolean;
  /**
   * A parse (with the same `skipDebugSections`) of a text that shares most lines with this
   * one, e.g. the original of a patched compiler output: the statements of the lines the two
   * share at their beginning and end are taken from it, not parsed again. The result is the
   * same as without it.
   */
  readonly like?: AsmFile;
}

/**
 * Where the line holding the next possible section switch at or after `from` starts (or the
 * text's end). Every directive that switches sections contains one of these words: a line in
 * a debug section without any of them cannot leave it, so it is skipped without being split.
 */
function nextSwitchLine(text: string, from: number): number {
  const maySwitch = /section|\.text|\.data|\.bss|\.previous/g;
  maySwitch.lastIndex = from;
  const m = maySwitch.exec(text);
  return m === null ? text.length : text.lastIndexOf('\n', m.index) + 1;
}

/** The parser between two lines. */
interface Parser {
  readonly text: string;
  readonly table: StatementTable;
  readonly known: KnownSections;
  readonly skipDebug: boolean;
  st: SectionState;
  /** Lines done so far. */
  lineNo: number;
  /** The current line's pieces, as (kind, start, end) triples; reused for every line. */
  readonly pieces: number[];
  readonly at: Where;
}

/**
 * Parses the lines from `from` (a line start) on. Stops before the line that starts at
 * `stopAt` and returns true; returns false at the end of the text (also when skipped
 * debug lines pass over `stopAt`). The loop keeps the parser's fields in locals (it runs
 * once per line of files of tens of MB).
 */
function parseLines(p: Parser, from: number, stopAt: number): boolean {
  const { text, table, known, pieces, at, skipDebug } = p;
  let st = p.st;
  let lineNo = p.lineNo;
  let stopped = false;
  for (let lineStart = from; lineStart <= text.length; ) {
    if (lineStart === stopAt) {
      stopped = true;
      break;
    }
    if (skipDebug && st.current.name.startsWith('.debug')) {
      const to = nextSwitchLine(text, lineStart);
      if (to >= text.length) break;
      lineNo += countLines(text, lineStart, to);
      lineStart = to;
      if (lineStart === stopAt) {
        stopped = true;
        break;
      }
    }
    const nl = text.indexOf('\n', lineStart);
    const lineEnd = nl < 0 ? text.length : nl;
    lineNo++;
    const bodyEnd = tabbedBodyEnd(text, lineStart, lineEnd);
    if (bodyEnd >= 0) {
      at.line = lineNo;
      at.col = 2;
      st = bodyStatement(table, text, lineStart + 1, bodyEnd, at, st, known);
    } else {
      const n = scanLine(text, lineStart, lineEnd, at.fileName, lineNo, pieces);
      if (n === 0) table.blank(lineStart, lineNo, st.current);
      for (let k = 0; k < n; k += 3) {
        const start = pieces[k + 1];
        const end = pieces[k + 2];
        const col = start - lineStart + 1;
        if (pieces[k] === PIECE_LABEL) table.label(start, end, lineNo, col, st.current);
        else if (pieces[k] === PIECE_COMMENT) table.comment(start, end, lineNo, col, st.current);
        else {
          at.line = lineNo;
          at.col = col;
          st = bodyStatement(table, text, start, end, at, st, known);
        }
      }
    }
    if (nl < 0) break;
    lineStart = nl + 1;
  }
  p.st = st;
  p.lineNo = lineNo;
  return stopped;
}

/** The section state after rows `from..to-1` of `file`, from `st`: their section switches done again. */
function replaySwitches(file: ParsedFile, from: number, to: number, st: SectionState, known: KnownSections): SectionState {
  const at: Where = { fileName: file.fileName, line: 0, col: 0 };
  for (const sw of file.table.sectionSwitches(file.text, from, to)) st = applyDirective(st, known, sw.word, sw.args, at);
  return st;
}

/** The first row of `file` on a line after `line` (rows are in line order). */
function firstRowAfterLine(file: ParsedFile, line: number): number {
  let lo = 0;
  let hi = file.table.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (file.table.lineOf(mid) <= line) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Parses `p.text` taking the statements of the lines it shares with `like` from `like`:
 * the shared beginning as it is, the shared end moved, when the parser reaches it in the
 * same section state as `like`'s parse did (otherwise the end is parsed too).
 */
function parseLike(p: Parser, like: ParsedFile, shared: SharedLines): void {
  const prefixRows = firstRowAfterLine(like, shared.prefixLines);
  p.table.copyRows(like.table, 0, prefixRows, 0, 0);
  p.st = replaySwitches(like, 0, prefixRows, p.st, p.known);
  p.lineNo = shared.prefixLines;
  if (!parseLines(p, shared.prefixEnd, shared.suffixStart1)) return;
  const linesBefore0 = shared.prefixLines + countLines(like.text, shared.prefixEnd, shared.suffixStart0);
  const suffixRows = firstRowAfterLine(like, linesBefore0);
  const known0: KnownSections = new Map();
  const st0 = replaySwitches(like, 0, suffixRows, initialState(), known0);
  if (!sameSectionState(st0, known0, p.st, p.known)) {
    parseLines(p, shared.suffixStart1, -1);
    return;
  }
  p.table.copyRows(like.table, suffixRows, like.table.count, shared.suffixStart1 - shared.suffixStart0, p.lineNo - linesBefore0);
}

export function parseAssembly(text: string, fileName: string, opts: ParseOptions = {}): AsmFile {
  const skipDebug = opts.skipDebugSections === true;
  const p: Parser = {
    text,
    table: new StatementTable(),
    known: new Map(),
    skipDebug,
    st: initialState(),
    lineNo: 0,
    pieces: [],
    at: { fileName, line: 0, col: 0 },
  };
  const like = opts.like instanceof ParsedFile && opts.like.skippedDebug === skipDebug ? opts.like : undefined;
  const shared = like !== undefined ? sharedLines(like.text, text) : undefined;
  if (like !== undefined && shared !== undefined) parseLike(p, like, shared);
  else parseLines(p, 0, -1);
  return new ParsedFile(fileName, text, p.table, skipDebug);
}

/** Prints a parsed file back: the exact input text. */
export function printAssembly(file: AsmFile): string {
  return file.lines.map((l) => l.raw).join('\n');
}
