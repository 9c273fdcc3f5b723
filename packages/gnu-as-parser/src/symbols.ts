/** Symbol names inside statement text: find them, rename them, derive gcc's "human" names. */
import { stringEnd } from './split-line.js';

const IDENT_START = /[A-Za-z_.]/;
const IDENT_CHAR = /[\w.$]/;

/**
 * Rewrites every symbol reference in `text` through `rename` (return the name to keep it).
 * Skips string literals, registers (`%rax`), relocation operators (`@PLT`), numbers and
 * numeric local labels (`1f`).
 */
export function mapSymbols(text: string, rename: (name: string) => string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      const stop = end < 0 ? text.length : end;
      out += text.slice(i, stop);
      i = stop;
    } else if (c === '%' || c === '@' || /[0-9]/.test(c)) {
      let j = i + 1;
      while (j < text.length && IDENT_CHAR.test(text[j])) j++;
      out += text.slice(i, j);
      i = j;
    } else if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < text.length && IDENT_CHAR.test(text[j])) j++;
      out += rename(text.slice(i, j));
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
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
 * `foo.cold`, `calls.0` → `foo`/`calls`; `.LC12` → `.LC`. Other names are their own.
 */
export function humanName(name: string): string {
  if (name.startsWith('.L')) return name.replace(/\d+$/, '');
  const dot = name.indexOf('.', 1);
  if (dot < 0) return name;
  if (/\d$/.test(name) || /\.cold$/.test(name)) return name.slice(0, dot);
  return name;
}

/** True for names gcc invents (clones, numbered statics, `.LC` constants). */
export function isAutoName(name: string): boolean {
  return humanName(name) !== name;
}
