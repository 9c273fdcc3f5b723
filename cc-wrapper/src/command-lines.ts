/**
 * The argv of each real-compiler run the wrapper makes, derived from the user's argv
 * by the option roles of the table. Pure functions: easy to test, and the runner
 * only executes what they return.
 */
import type { ArgToken } from './parse-argv.js';
import type { InputToken } from './classify.js';
import { depFileName } from './asm-names.js';

type Role = Extract<ArgToken, { kind: 'option' }>['spec']['role'];

const DEP_ROLES: ReadonlySet<Role> = new Set<Role>(['dep-enable', 'dep-file', 'dep-target', 'dep-other']);
/** Never copied as they are: each step sets its own action, output, language and inputs. */
const REBUILT_ROLES: ReadonlySet<Role> = new Set<Role>(['action-compile', 'action-assemble', 'output', 'language']);

function keptOptions(tokens: readonly ArgToken[], drop: (role: Role) => boolean): string[] {
  const out: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'option' && !REBUILT_ROLES.has(t.spec.role) && !drop(t.spec.role)) out.push(...t.args);
  }
  return out;
}

function withLang(source: InputToken): string[] {
  return source.explicitLang === undefined ? [source.path] : ['-x', source.explicitLang, source.path];
}

/**
 * `-c`/`-S` of one source → `-S -o ASM`, everything else as given. With -MD/-MMD the
 * dependency file must still be the object's (`obj/foo.d`, target `obj/foo.o`), not
 * one named after the .s, so the file and target gcc would have chosen are made explicit.
 */
export function compileToAsmArgv(tokens: readonly ArgToken[], source: InputToken, asm: string, output: string): string[] {
  const argv = keptOptions(tokens, () => false);
  const has = (role: Role) => tokens.some((t) => t.kind === 'option' && t.spec.role === role);
  if (has('dep-enable')) {
    if (!has('dep-file')) argv.push('-MF', depFileName(output));
    if (!has('dep-target')) argv.push('-MQ', output);
  }
  return [...argv, '-S', ...withLang(source), '-o', asm];
}

/** One source of a compile-and-link call → its .s; the link-only options stay out. */
export function linkSourceToAsmArgv(tokens: readonly ArgToken[], source: InputToken, asm: string): string[] {
  return [...keptOptions(tokens, (r) => r === 'linker'), '-S', ...withLang(source), '-o', asm];
}

/**
 * The .s → the requested object, with the same code-generation and debug options
 * (measured: gcc 12 + gas 2.40 then give a byte-identical object; gcc passes
 * `--gdwarf-5` to as in both cases and gas keeps the compiler's own line info).
 */
export function assembleArgv(tokens: readonly ArgToken[], asm: string, output: string, keepDebug: boolean): string[] {
  const argv = keptOptions(tokens, (r) => r === 'preprocessor' || DEP_ROLES.has(r) || (!keepDebug && r === 'debug'));
  return [...argv, '-c', '-x', 'assembler', asm, '-o', output];
}

/**
 * A link: every source replaced by its .s (as assembler input), other inputs where
 * they were (their order matters to the linker), `extra` (e.g. `-Wl,-q`) appended.
 * `keepDebug` as in assembleArgv.
 */
export function linkArgv(
  tokens: readonly ArgToken[],
  asmOf: ReadonlyMap<InputToken, string>,
  extra: readonly string[],
  keepDebug: boolean,
): string[] {
  const argv: string[] = [];
  // A .S input of the link is still preprocessed by this call and needs -D/-I.
  const keepCpp = tokens.some((t) => t.kind === 'input' && !asmOf.has(t) && t.lang === 'assembler-with-cpp');
  let current: string | undefined;
  const setLang = (lang: string | undefined) => {
    if (lang === current) return;
    argv.push('-x', lang ?? 'none');
    current = lang;
  };
  for (const t of tokens) {
    if (t.kind === 'option') {
      const role = t.spec.role;
      const drop = role === 'language' || (role === 'preprocessor' && !keepCpp) || DEP_ROLES.has(role) || (!keepDebug && role === 'debug');
      if (!drop) argv.push(...t.args);
      continue;
    }
    const asm = asmOf.get(t);
    if (asm !== undefined) {
      setLang('assembler');
      argv.push(asm);
    } else {
      setLang(t.explicitLang);
      argv.push(t.path);
    }
  }
  return [...argv, ...extra];
}

/**
 * The preprocessed text of a `.S`/`.sx` source (for the change check of asm-source.ts):
 * its own options without dependency output, `-E` to `out`.
 */
export function preprocessAsmArgv(tokens: readonly ArgToken[], source: InputToken, out: string): string[] {
  return [...keptOptions(tokens, (r) => DEP_ROLES.has(r) || r === 'linker'), '-E', ...withLang(source), '-o', out];
}
