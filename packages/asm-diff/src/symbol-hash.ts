/**
 * Scanning statement text for symbols without making strings: the characters `mapSymbols`
 * (gnu-as-parser) treats as symbols, and a hash computed while a symbol is scanned, so
 * that only symbols whose hash is of interest are cut out of the text.
 */

/** `[A-Za-z_.]`: a character that can start a symbol (as in `mapSymbols`). */
export function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 46;
}

/** `[A-Za-z0-9_.$]`: a character that can continue a symbol. */
export function isIdentChar(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57) || c === 36;
}

/** The hash the scans compute: h = h * 31 + c over the symbol's characters (32 bits). */
export function hashOf(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Where the string literal starting at `i` (a `"`) ends, within `end`; `end` when unterminated. */
export function stringEndWithin(text: string, i: number, end: number): number {
  for (let k = i + 1; k < end; k++) {
    const c = text.charCodeAt(k);
    if (c === 92 /* \\ */) k++;
    else if (c === 34 /* " */) return k + 1;
  }
  return end;
}


/** A hash made small enough to be a small integer (a `Set` of larger numbers boxes them); a filter only. */
export function smallHash(h: number): number {
  return h >> 2;
}

/**
 * Appends to `out` the symbols in `text[start, end)` (as `mapSymbols` finds them) whose
 * `smallHash(hashOf(symbol))` is in `wanted`. The scanning loop is the same as
 * `symbolsStandForThemselves` in same-text.ts, keep them in step: one scanner shared through
 * a reused cursor object measured 10-15 % slower on SQLite -O2 (0.46 → 0.51-0.53 s), where
 * the differ has 0.45 s.
 */
export function symbolsWithHash(text: string, start: number, end: number, wanted: ReadonlySet<number>, out: string[]): void {
  let i = start;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      i = stringEndWithin(text, i, end);
    } else if (c === 37 /* % */ || c === 64 /* @ */ || (c >= 48 && c <= 57)) {
      i++;
      while (i < end && isIdentChar(text.charCodeAt(i))) i++;
    } else if (isIdentStart(c)) {
      let h = c;
      let j = i + 1;
      for (; j < end; j++) {
        const d = text.charCodeAt(j);
        if (!isIdentChar(d)) break;
        h = (Math.imul(h, 31) + d) | 0;
      }
      if (wanted.has(smallHash(h))) out.push(text.slice(i, j));
      i = j;
    } else {
      i++;
    }
  }
}
