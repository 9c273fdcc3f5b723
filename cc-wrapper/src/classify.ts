/**
 * Decides what one compiler call is: a single compile the wrapper handles, a link
 * (possibly compiling sources on the way), or something left to the real compiler
 * untouched, with the reason.
 */
import { parseArgv, type ArgToken, type InputLang } from './parse-argv.js';

export type InputToken = Extract<ArgToken, { kind: 'input' }>;
type OptionToken = Extract<ArgToken, { kind: 'option' }>;

export interface CompileUnit {
  source: InputToken;
  output: string;
}

export type CallPlan =
  | { kind: 'pass-through'; reason: string }
  /** `-c` (mode object) or `-S` (mode assembly) of C/C++ sources, one output each. */
  | { kind: 'compile'; mode: 'object' | 'assembly'; units: readonly CompileUnit[]; tokens: readonly ArgToken[] }
  /**
   * `-c` of a hand-written assembler source (.s, .S, .sx): compiled by the real compiler
   * as it is, but checked for changes between the stages (see asm-source.ts).
   */
  | { kind: 'assembler'; unit: CompileUnit; tokens: readonly ArgToken[] }
  /** No -c/-S/-E: sources (maybe none) are compiled and everything is linked. */
  | { kind: 'link'; sources: readonly InputToken[]; output: string; tokens: readonly ArgToken[] };

const SOURCE_LANGS: ReadonlySet<InputLang> = new Set<InputLang>(['c', 'c++']);

/** Fragments of argv that mark autoconf/QEMU probes (as LibcarePlus does). */
const PROBE_MARKERS = ['conftest.', 'qemu-conf'];

export function isSource(input: InputToken): boolean {
  return SOURCE_LANGS.has(input.lang);
}

export function classifyCall(argv: readonly string[]): CallPlan {
  const probe = argv.find((a) => PROBE_MARKERS.some((m) => a.includes(m)));
  if (probe !== undefined) return passThrough(`configure probe (${probe})`);
  const parsed = parseArgv(argv);
  if (parsed.kind === 'unparsable') return passThrough(parsed.reason);
  const tokens = parsed.tokens;
  const options = tokens.filter((t) => t.kind === 'option');
  const inputs = tokens.filter((t): t is InputToken => t.kind === 'input');

  const refused = options.find((t) => t.spec.role === 'pass-through');
  if (refused !== undefined) return passThrough(`${refused.args[0]}: ${refused.spec.reason}`);
  if (inputs.length === 0) return passThrough('no input files');
  const special = inputs.find((i) => i.path === '-' || i.path === '/dev/null');
  if (special !== undefined) return passThrough(`input ${special.path}`);
  const output = lastValue(tokens, 'output');
  if (output === '/dev/null' || output === '-') return passThrough(`output is ${output === '-' ? 'stdout' : output}`);
  const odd = inputs.find((i) => i.lang === 'header' || i.lang === 'unsupported');
  if (odd !== undefined) return passThrough(`input ${odd.path} is a ${odd.lang === 'header' ? 'header' : 'language the wrapper does not handle'}`);

  const mode = hasRole(tokens, 'action-assemble') ? 'assembly' : hasRole(tokens, 'action-compile') ? 'object' : undefined;
  if (mode === undefined) return classifyLink(tokens, inputs, output ?? 'a.out');
  return classifyCompile(tokens, inputs, mode, output);
}

function classifyCompile(
  tokens: readonly ArgToken[],
  inputs: readonly InputToken[],
  mode: 'object' | 'assembly',
  output: string | undefined,
): CallPlan {
  const flag = mode === 'object' ? '-c' : '-S';
  if (inputs.length > 1) {
    // gcc refuses -o with several inputs, and the dependency options then name one file for all.
    if (output !== undefined) return passThrough(`-o with ${inputs.length} inputs and ${flag}`);
    const dep = tokens.find((t): t is OptionToken => t.kind === 'option' && (t.spec.role === 'dep-file' || t.spec.role === 'dep-target'));
    if (dep !== undefined) return passThrough(`${dep.args[0]} with ${inputs.length} inputs`);
    const other = inputs.find((i) => !isSource(i));
    if (other !== undefined) return passThrough(`${other.path} is not a C/C++ source, among ${inputs.length} inputs with ${flag}`);
  }
  const source = inputs[0];
  if (source.lang === 'assembler' || source.lang === 'assembler-with-cpp') {
    if (mode === 'assembly') return passThrough(`-S of assembler input ${source.path} does nothing to patch`);
    return { kind: 'assembler', unit: { source, output: output ?? defaultOutput(source.path, mode) }, tokens };
  }
  if (!isSource(source)) return passThrough(`${source.path} is not a C/C++ source`);
  const units = inputs.map((i) => ({ source: i, output: output ?? defaultOutput(i.path, mode) }));
  return { kind: 'compile', mode, units, tokens };
}

function classifyLink(tokens: readonly ArgToken[], inputs: readonly InputToken[], output: string): CallPlan {
  const sources = inputs.filter(isSource);
  if (sources.length > 0 && hasRole(tokens, 'dep-enable')) {
    return passThrough('-MD/-MMD in a call that compiles and links');
  }
  return { kind: 'link', sources, output, tokens };
}

/** gcc's name for `-c`/`-S` without `-o`: the input's base name with its suffix replaced. */
export function defaultOutput(source: string, mode: 'object' | 'assembly'): string {
  const base = source.slice(source.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  return `${stem}.${mode === 'object' ? 'o' : 's'}`;
}

function hasRole(tokens: readonly ArgToken[], role: string): boolean {
  return tokens.some((t) => t.kind === 'option' && t.spec.role === role);
}

/** gcc uses the last -o when several are given; so do we. */
function lastValue(tokens: readonly ArgToken[], role: string): string | undefined {
  let value: string | undefined;
  for (const t of tokens) if (t.kind === 'option' && t.spec.role === role) value = t.value;
  return value;
}

function passThrough(reason: string): CallPlan {
  return { kind: 'pass-through', reason };
}
