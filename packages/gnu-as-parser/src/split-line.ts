/**
 * Splits one physical line into statement pieces: `;` separators, leading `label:`
 * prefixes and a trailing `#` comment, all outside string literals.
 */
import { TscareError } from '@tscare/errors';

export interface Piece {
  readonly kind: 'label' | 'body' | 'comment';
  /** 0-based offset in the line. */
  readonly offset: number;
  readonly text: string;
}

/** Where one string literal starting at `start` (a `"`) ends: the index after the closing quote, or -1. */
export function stringEnd(s: string, start: number): number {
  for (let i = start + 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i + 1;
  }
  return -1;
}

const LABEL_RE = /^([A-Za-z_.$][\w.$]*|[0-9]+|"(?:[^"\\]|\\.)*")\s*:(?!:)/;

function syntaxError(where: string, line: number, col: number, what: string): TscareError {
  return new TscareError('GAS_SYNTAX', `${where}:${line}:${col}: ${what}`, {
    hint: 'the input must be GNU as (AT&T syntax) text as gcc -S writes it',
  });
}

/** Splits the statement text between separators into label prefixes and a body. */
function splitLabels(seg: string, offset: number, out: Piece[]): void {
  let rest = seg;
  let off = offset;
  for (;;) {
    const lead = rest.length - rest.trimStart().length;
    rest = rest.slice(lead);
    off += lead;
    // Most statements have no ':' at all: skip the regular expression for them.
    const m = rest.includes(':') ? LABEL_RE.exec(rest) : null;
    if (!m) break;
    out.push({ kind: 'label', offset: off, text: m[1] });
    rest = rest.slice(m[0].length);
    off += m[0].length;
  }
  const body = rest.trimEnd();
  if (body !== '') out.push({ kind: 'body', offset: off, text: body });
}

export function splitLine(raw: string, fileName: string, lineNo: number): Piece[] {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  const pieces: Piece[] = [];
  let segStart = 0;
  let i = 0;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (c === 34 /* " */) {
      const end = stringEnd(line, i);
      if (end < 0) throw syntaxError(fileName, lineNo, i + 1, 'unterminated string literal');
      i = end;
    } else if (c === 59 /* ; */ || c === 35 /* # */) {
      splitLabels(line.slice(segStart, i), segStart, pieces);
      if (c === 35) {
        pieces.push({ kind: 'comment', offset: i, text: line.slice(i) });
        return pieces;
      }
      segStart = ++i;
    } else {
      i++;
    }
  }
  splitLabels(line.slice(segStart), segStart, pieces);
  return pieces;
}

/** Splits operands/arguments at top-level commas (not inside strings or parentheses). */
export function splitArgs(text: string): string[] {
  if (text.trim() === '') return [];
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      i = end < 0 ? text.length : end;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
    i++;
  }
  out.push(text.slice(start).trim());
  return out;
}

export { syntaxError };
