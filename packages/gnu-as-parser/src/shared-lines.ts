/**
 * The whole lines two texts share at their beginning and at their end. An original and a
 * patched compiler output of one file are mostly the same text: the parser takes the
 * statements of those lines from the other file's parse instead of parsing them again.
 */

export interface SharedLines {
  /** Where the first line that is not in the shared beginning starts (the same offset in both texts). */
  readonly prefixEnd: number;
  /** How many lines the shared beginning holds. */
  readonly prefixLines: number;
  /** Where the shared end starts in the first text (a line start), and in the second. */
  readonly suffixStart0: number;
  readonly suffixStart1: number;
}

/** Texts are compared in slices of this many characters first (slice equality is a native compare). */
const STEP = 4096;

function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i + STEP <= n && a.slice(i, i + STEP) === b.slice(i, i + STEP)) i += STEP;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** Length of the common end of `a` and `b`, at most `max`. */
function commonSuffixLength(a: string, b: string, max: number): number {
  let k = 0;
  while (k + STEP <= max && a.slice(a.length - k - STEP, a.length - k) === b.slice(b.length - k - STEP, b.length - k)) k += STEP;
  while (k < max && a.charCodeAt(a.length - k - 1) === b.charCodeAt(b.length - k - 1)) k++;
  return k;
}

export function countLines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** The shared lines of `a` and `b`, or undefined when they share no whole line at their end. */
export function sharedLines(a: string, b: string): SharedLines | undefined {
  const p = commonPrefixLength(a, b);
  const prefixEnd = p === 0 ? 0 : a.lastIndexOf('\n', p - 1) + 1;
  const k = commonSuffixLength(a, b, Math.min(a.length, b.length) - prefixEnd);
  let suffixStart1 = b.length - k;
  // The shared end starts at a line start of both texts.
  if (suffixStart1 > 0 && b.charCodeAt(suffixStart1 - 1) !== 10) {
    const nl = b.indexOf('\n', suffixStart1);
    if (nl < 0) return undefined;
    suffixStart1 = nl + 1;
  }
  const suffixStart0 = suffixStart1 - (b.length - a.length);
  if (suffixStart1 < prefixEnd || suffixStart0 < prefixEnd || (suffixStart0 > 0 && a.charCodeAt(suffixStart0 - 1) !== 10)) return undefined;
  return { prefixEnd, prefixLines: countLines(a, 0, prefixEnd), suffixStart0, suffixStart1 };
}
