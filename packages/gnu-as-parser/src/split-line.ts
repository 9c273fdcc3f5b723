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
    const c = s.charCodeAt(i);
    if (c === 92 /* \\ */) i++;
    else if (c === 34 /* " */) return i + 1;
  }
  return -1;
}

function syntaxError(where: string, line: number, col: number, what: string): TscareError {
  return new TscareError('GAS_SYNTAX', `${where}:${line}:${col}: ${what}`, {
    hint: 'the input must be GNU as (AT&T syntax) text as gcc -S writes it',
  });
}

/** Piece kinds in the triples `scanLine` writes. */
export const PIECE_LABEL = 0;
export const PIECE_BODY = 1;
export const PIECE_COMMENT = 2;
const PIECE_KINDS = ['label', 'body', 'comment'] as const;

/** What `trimStart`/`trimEnd` remove (ASCII fast path; `\s` for the rest). */
function isWhite(c: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13)) return true;
  return c > 127 && /\s/.test(String.fromCharCode(c));
}

/** `[A-Za-z0-9_.$]` */
function isLabelChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 36;
}

/** Where a label name starting at `p` ends (`name`, `123` or `"quoted"`), or -1. */
function labelNameEnd(s: string, p: number, end: number): number {
  if (p >= end) return -1;
  const c = s.charCodeAt(p);
  let q = p + 1;
  if (c >= 48 && c <= 57) {
    while (q < end && s.charCodeAt(q) >= 48 && s.charCodeAt(q) <= 57) q++;
    return q;
  }
  if (c === 34) {
    const e = stringEnd(s, p);
    return e < 0 || e > end ? -1 : e;
  }
  if (!isLabelChar(c) || (c >= 48 && c <= 57)) return -1;
  while (q < end && isLabelChar(s.charCodeAt(q))) q++;
  return q;
}

/**
 * The segment `start..end` of `s` between separators: leading `label:` prefixes, then a body.
 * Writes triples to `out` from index `n`; returns the index after the last one written.
 */
function scanSegment(s: string, start: number, end: number, out: number[], n: number): number {
  let p = start;
  for (;;) {
    while (p < end && isWhite(s.charCodeAt(p))) p++;
    const nameEnd = labelNameEnd(s, p, end);
    if (nameEnd < 0) break;
    let q = nameEnd;
    while (q < end && isWhite(s.charCodeAt(q))) q++;
    // `name:` but not `name::` (and not `%fs:x`, which has no name before the colon).
    if (q >= end || s.charCodeAt(q) !== 58 || (q + 1 < end && s.charCodeAt(q + 1) === 58)) break;
    out[n] = PIECE_LABEL;
    out[n + 1] = p;
    out[n + 2] = nameEnd;
    n += 3;
    p = q + 1;
  }
  let e = end;
  while (e > p && isWhite(s.charCodeAt(e - 1))) e--;
  if (e > p) {
    out[n] = PIECE_BODY;
    out[n + 1] = p;
    out[n + 2] = e;
    n += 3;
  }
  return n;
}

/**
 * Splits the line `lineStart..lineEnd` of `s` (without its newline; a final `\r` is not part
 * of it) into pieces, written to `out` as triples (kind, start, end) of offsets in `s`: no
 * strings are made, as this runs over every line of files of tens of MB. Returns how many
 * numbers it wrote (3 per piece); `out` is reused from line to line, so entries past that
 * count are stale.
 */
export function scanLine(s: string, lineStart: number, lineEnd: number, fileName: string, lineNo: number, out: number[]): number {
  const end = lineEnd > lineStart && s.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd;
  let n = 0;
  let segStart = lineStart;
  let i = lineStart;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 34 /* " */) {
      const e = stringEnd(s, i);
      if (e < 0 || e > end) throw syntaxError(fileName, lineNo, i - lineStart + 1, 'unterminated string literal');
      i = e;
    } else if (c === 59 /* ; */ || c === 35 /* # */) {
      n = scanSegment(s, segStart, i, out, n);
      if (c === 35) {
        out[n] = PIECE_COMMENT;
        out[n + 1] = i;
        out[n + 2] = end;
        return n + 3;
      }
      segStart = ++i;
    } else {
      i++;
    }
  }
  return scanSegment(s, segStart, end, out, n);
}

/**
 * The common line `\tword rest` (how gcc writes directives and instructions) without a
 * label, string, `;` or comment: where its body, which starts at `lineStart + 1`, ends once
 * trimmed; -1 for any other line (then `scanLine` splits it). The body is the piece
 * `scanLine` would find, found in one pass over the line.
 */
export function tabbedBodyEnd(s: string, lineStart: number, lineEnd: number): number {
  const p = lineStart + 1;
  if (p >= lineEnd || s.charCodeAt(lineStart) !== 9) return -1;
  const first = s.charCodeAt(p);
  if (!((first >= 97 && first <= 122) || (first >= 65 && first <= 90) || first === 95 || first === 46)) return -1;
  let i = p + 1;
  while (i < lineEnd && isLabelChar(s.charCodeAt(i))) i++;
  // `word:` or `word :` is a label.
  let q = i;
  while (q < lineEnd && isWhite(s.charCodeAt(q))) q++;
  if (q < lineEnd && s.charCodeAt(q) === 58) return -1;
  let e = i;
  for (; i < lineEnd; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 || c === 59 || c === 35) return -1;
    if (c > 127) return -1;
    if (c !== 32 && (c < 9 || c > 13)) e = i + 1;
  }
  return e;
}

/** Splits one physical line into its pieces (labels, bodies, comment), with their text. */
export function splitLine(raw: string, fileName: string, lineNo: number): Piece[] {
  const triples: number[] = [];
  const n = scanLine(raw, 0, raw.length, fileName, lineNo, triples);
  const pieces: Piece[] = [];
  for (let k = 0; k < n; k += 3) {
    pieces.push({ kind: PIECE_KINDS[triples[k]], offset: triples[k + 1], text: raw.slice(triples[k + 1], triples[k + 2]) });
  }
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
