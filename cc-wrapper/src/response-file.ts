/**
 * `@file` arguments, expanded the way gcc's driver (libiberty's expandargv) does, so the
 * wrapper sees the real command line: build systems with long command lines (CMake on
 * big targets, libtool, meson) put options and inputs in response files.
 */

/** gcc gives up on runaway recursion too; deeper nesting is left to the real compiler. */
const MAX_DEPTH = 16;

export type ExpandedArgv =
  | { kind: 'expanded'; argv: readonly string[]; files: readonly string[] }
  | { kind: 'unparsable'; reason: string };

/** Reads a response file, or returns undefined when it cannot (gcc then keeps `@name` as an input). */
export type ReadText = (path: string) => string | undefined;

/**
 * Splits a response file's text: whitespace separates arguments; single and double
 * quotes group (an empty pair is an empty argument); a backslash takes the next
 * character literally, inside quotes too.
 */
export function splitResponseText(text: string): string[] {
  const args: string[] = [];
  let current = '';
  let started = false;
  let quote: "'" | '"' | undefined;
  let escaped = false;
  for (const ch of text) {
    if (escaped) {
      current += ch;
      escaped = false;
    } else if (ch === '\\') {
      escaped = true;
      started = true;
    } else if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) args.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (started) args.push(current);
  return args;
}

export function expandResponseFiles(argv: readonly string[], read: ReadText): ExpandedArgv {
  if (!argv.some((a) => a.startsWith('@'))) return { kind: 'expanded', argv, files: [] };
  const files: string[] = [];
  const out: string[] = [];
  const expand = (items: readonly string[], depth: number): string | undefined => {
    for (const item of items) {
      const text = item.startsWith('@') && item.length > 1 ? read(item.slice(1)) : undefined;
      if (text === undefined) {
        out.push(item);
        continue;
      }
      if (depth >= MAX_DEPTH) return `response files nested more than ${MAX_DEPTH} deep (${item})`;
      files.push(item.slice(1));
      const failure = expand(splitResponseText(text), depth + 1);
      if (failure !== undefined) return failure;
    }
    return undefined;
  };
  const failure = expand(argv, 0);
  return failure === undefined ? { kind: 'expanded', argv: out, files } : { kind: 'unparsable', reason: failure };
}
