/**
 * Splits a compiler argv into options (with their arguments) and inputs, using the
 * option table, and gives every input the language gcc would use for it.
 */
import { lookupOption, UNKNOWN_OPTION, type OptionSpec } from './option-table.js';

/** The language of one input, as far as the wrapper cares. */
export type InputLang = 'c' | 'c++' | 'assembler' | 'assembler-with-cpp' | 'header' | 'other' | 'unsupported';

export type ArgToken =
  /** `args`: the argv items it came from (one, or two for a separate argument). */
  | { kind: 'option'; spec: OptionSpec; args: readonly string[]; value: string | undefined }
  /** `explicitLang`: the `-x` language in force for it, if any. */
  | { kind: 'input'; path: string; lang: InputLang; explicitLang: string | undefined };

export type ParsedArgv =
  | { kind: 'parsed'; tokens: readonly ArgToken[] }
  | { kind: 'unparsable'; reason: string };

const LANG_BY_X: ReadonlyMap<string, InputLang> = new Map<string, InputLang>([
  ['c', 'c'],
  ['cpp-output', 'c'],
  ['c++', 'c++'],
  ['c++-cpp-output', 'c++'],
  ['assembler', 'assembler'],
  ['assembler-with-cpp', 'assembler-with-cpp'],
  ['c-header', 'header'],
  ['c++-header', 'header'],
]);

const LANG_BY_EXT: ReadonlyMap<string, InputLang> = new Map<string, InputLang>([
  ['.c', 'c'],
  ['.i', 'c'],
  ['.cc', 'c++'],
  ['.cp', 'c++'],
  ['.cxx', 'c++'],
  ['.cpp', 'c++'],
  ['.CPP', 'c++'],
  ['.c++', 'c++'],
  ['.C', 'c++'],
  ['.ii', 'c++'],
  ['.s', 'assembler'],
  ['.S', 'assembler-with-cpp'],
  ['.sx', 'assembler-with-cpp'],
  ['.h', 'header'],
  ['.hh', 'header'],
  ['.hpp', 'header'],
  ['.hxx', 'header'],
  ['.H', 'header'],
]);

export function langOfPath(path: string): InputLang {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  if (dot <= slash + 1) return 'other';
  return LANG_BY_EXT.get(path.slice(dot)) ?? 'other';
}

function langOfInput(path: string, explicitLang: string | undefined): InputLang {
  if (explicitLang === undefined) return langOfPath(path);
  return LANG_BY_X.get(explicitLang) ?? 'unsupported';
}

export function parseArgv(argv: readonly string[]): ParsedArgv {
  const tokens: ArgToken[] = [];
  let explicitLang: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    // Expanded earlier (response-file.ts); one left here could not be read.
    if (arg.startsWith('@')) return { kind: 'unparsable', reason: `response file ${arg} cannot be read` };
    if (!arg.startsWith('-') || arg === '-') {
      tokens.push({ kind: 'input', path: arg, lang: langOfInput(arg, explicitLang), explicitLang });
      continue;
    }
    const match = lookupOption(arg);
    const spec = match?.spec ?? UNKNOWN_OPTION;
    let token: ArgToken;
    if (match?.kind === 'joined') {
      token = { kind: 'option', spec, args: [arg], value: match.value };
    } else if (spec.form === 'separate' || spec.form === 'joined-or-separate') {
      if (i + 1 >= argv.length) return { kind: 'unparsable', reason: `${arg} without its argument` };
      token = { kind: 'option', spec, args: [arg, argv[i + 1]], value: argv[i + 1] };
      i++;
    } else {
      token = { kind: 'option', spec, args: [arg], value: undefined };
    }
    if (spec.role === 'language') explicitLang = token.value === 'none' ? undefined : token.value;
    tokens.push(token);
  }
  return { kind: 'parsed', tokens };
}
