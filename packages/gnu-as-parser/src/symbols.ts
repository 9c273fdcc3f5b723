/** Symbol names inside statement text: find them, rename them, derive gcc's "human" names. */
import { stringEnd } from './split-line.js';

/** `[A-Za-z_.]`: a character that can start a symbol. */
function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 46;
}

/** `[A-Za-z0-9_.$]`: a character that can continue a symbol. */
function isIdentChar(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57) || c === 36;
}

/**
 * Rewrites every symbol reference in `text` through `rename` (return the name to keep it).
 * Skips string literals, registers (`%rax`), relocation operators (`@PLT`), numbers and
 * numeric local labels (`1f`). Character codes, not regular expressions: this runs over
 * every operand of files of several MB.
 */
export function mapSymbols(text: string, rename: (name: string) => string): string {
  let out = '';
  let copied = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      const end = stringEnd(text, i);
      i = end < 0 ? n : end;
    } else if (c === 37 /* % */ || c === 64 /* @ */ || (c >= 48 && c <= 57)) {
      i++;
      while (i < n && isIdentChar(text.charCodeAt(i))) i++;
    } else if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentChar(text.charCodeAt(j))) j++;
      const name = text.slice(i, j);
      const renamed = rename(name);
      if (renamed !== name) {
        out += text.slice(copied, i) + renamed;
        copied = j;
      }
      i = j;
    } else {
      i++;
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Every symbol referenced in `text`, in order. */
export function symbolsIn(text: string): string[] {
  const found: string[] = [];
  mapSymbols(text, (n) => {
    found.push(n);
    return n;
  });
  return found;
}

/**
 * The name a gcc-made symbol stands for: `foo.part.0`, `foo.isra.1`, `foo.constprop.0`,
 * `foo.cold`, `calls.0` → `foo`/`calls`; `.LC12` → `.LC`. Other names are their own: gcc's
 * numbering is always a last `.N`, so `DW.ref.__gxx_personality_v0` (C++'s personality
 * pointer, which merely ends in a digit) is a real name, paired by name like any other.
 */
export function humanName(name: string): string {
  if (name.startsWith('.L')) return name.replace(/\d+$/, '');
  const dot = name.indexOf('.', 1);
  if (dot < 0) return name;
  if (/\.\d+$/.test(name) || /\.cold$/.test(name)) return name.slice(0, dot);
  return name;
}

/** True for names gcc invents (clones, numbered statics, `.LC` constants). */
export function isAutoName(name: string): boolean {
  return humanName(name) !== name;
}
