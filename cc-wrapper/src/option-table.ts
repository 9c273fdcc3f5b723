/**
 * What tscare-cc knows about gcc's command line, as data (in the manner of ccache's
 * option table): for each option, how it takes its argument and what it is for. The
 * wrapper never tests option names anywhere else; it asks this table.
 */

/**
 * How an option carries its argument:
 * - `flag`: none (`-c`);
 * - `separate`: always the next argv item (`-Xlinker X`);
 * - `joined`: glued to the name, which is then a prefix (`-Wl,...`);
 * - `joined-or-separate`: `-oX` or `-o X`;
 * - `flag-or-joined`: alone or with a glued suffix, never the next item (`-g`, `-gdwarf-4`).
 */
export type ArgForm = 'flag' | 'separate' | 'joined' | 'joined-or-separate' | 'flag-or-joined';

/**
 * What the option is for, which decides where it goes when the wrapper splits one
 * call into "compile to .s" and "assemble the .s":
 * - `compile`: code generation or anything unknown; kept in every step;
 * - `debug`: -g and its variants; kept, except when assembling a .s that has no
 *   compiler line info (then gas would invent debug info for the assembly text);
 * - `preprocessor`: only matters while preprocessing; dropped when assembling a .s;
 * - `dep-enable` / `dep-file` / `dep-target` / `dep-other`: -MD and friends, preprocessing
 *   only, and the wrapper must keep the dependency file naming the real object;
 * - `linker`: only matters when linking; dropped from the compile-to-.s step of a link;
 * - `action-compile` / `action-assemble`: -c / -S;
 * - `output`: -o; `language`: -x;
 * - `pass-through`: the wrapper does not handle calls with this option (see `reason`).
 */
export type OptionRole =
  | 'compile'
  | 'debug'
  | 'preprocessor'
  | 'dep-enable'
  | 'dep-file'
  | 'dep-target'
  | 'dep-other'
  | 'linker'
  | 'action-compile'
  | 'action-assemble'
  | 'output'
  | 'language'
  | 'pass-through';

export interface OptionSpec {
  readonly name: string;
  readonly form: ArgForm;
  readonly role: OptionRole;
  /** For `pass-through`: why the wrapper leaves such a call to the real compiler. */
  readonly reason?: string;
}

function opt(name: string, form: ArgForm, role: OptionRole, reason?: string): OptionSpec {
  return reason === undefined ? { name, form, role } : { name, form, role, reason };
}

/** Sorted by name (a unit test keeps it so); one entry per spelling. */
export const OPTION_TABLE: readonly OptionSpec[] = [
  opt('-###', 'flag', 'pass-through', 'dry run (-###)'),
  opt('--help', 'flag', 'pass-through', 'information request'),
  opt('--param', 'separate', 'compile'),
  opt('--sysroot', 'separate', 'compile'),
  opt('--version', 'flag', 'pass-through', 'information request'),
  opt('-A', 'joined-or-separate', 'preprocessor'),
  opt('-B', 'joined-or-separate', 'compile'),
  opt('-C', 'flag', 'preprocessor'),
  opt('-CC', 'flag', 'preprocessor'),
  opt('-D', 'joined-or-separate', 'preprocessor'),
  opt('-E', 'flag', 'pass-through', 'preprocessing only (-E)'),
  opt('-H', 'flag', 'preprocessor'),
  opt('-I', 'joined-or-separate', 'preprocessor'),
  opt('-L', 'joined-or-separate', 'linker'),
  opt('-M', 'flag', 'pass-through', 'dependency listing only (-M implies -E)'),
  opt('-MD', 'flag', 'dep-enable'),
  opt('-MF', 'joined-or-separate', 'dep-file'),
  opt('-MG', 'flag', 'dep-other'),
  opt('-MM', 'flag', 'pass-through', 'dependency listing only (-MM implies -E)'),
  opt('-MMD', 'flag', 'dep-enable'),
  opt('-MP', 'flag', 'dep-other'),
  opt('-MQ', 'joined-or-separate', 'dep-target'),
  opt('-MT', 'joined-or-separate', 'dep-target'),
  opt('-P', 'flag', 'preprocessor'),
  opt('-S', 'flag', 'action-assemble'),
  opt('-T', 'joined-or-separate', 'linker'),
  opt('-U', 'joined-or-separate', 'preprocessor'),
  opt('-Wa,', 'joined', 'compile'),
  opt('-Wl,', 'joined', 'linker'),
  opt('-Wp,', 'joined', 'preprocessor'),
  opt('-Xassembler', 'separate', 'compile'),
  opt('-Xlinker', 'separate', 'linker'),
  opt('-Xpreprocessor', 'separate', 'preprocessor'),
  opt('-aux-info', 'separate', 'compile'),
  opt('-c', 'flag', 'action-compile'),
  opt('-dumpbase', 'separate', 'compile'),
  opt('-dumpbase-ext', 'separate', 'compile'),
  opt('-dumpdir', 'separate', 'compile'),
  opt('-dumpmachine', 'flag', 'pass-through', 'information request'),
  opt('-dumpspecs', 'flag', 'pass-through', 'information request'),
  opt('-dumpversion', 'flag', 'pass-through', 'information request'),
  opt('-e', 'joined-or-separate', 'linker'),
  opt('-flto', 'flag', 'pass-through', 'link-time optimisation: code is generated at link time, not from the .s'),
  opt('-flto=', 'joined', 'pass-through', 'link-time optimisation: code is generated at link time, not from the .s'),
  opt('-fsyntax-only', 'flag', 'pass-through', 'syntax check only'),
  opt('-g', 'flag-or-joined', 'debug'),
  opt('-gsplit-dwarf', 'flag', 'pass-through', 'split DWARF (.dwo files) is not handled yet'),
  opt('-idirafter', 'joined-or-separate', 'preprocessor'),
  opt('-imacros', 'joined-or-separate', 'preprocessor'),
  opt('-imultiarch', 'separate', 'preprocessor'),
  opt('-imultilib', 'separate', 'preprocessor'),
  opt('-include', 'joined-or-separate', 'preprocessor'),
  opt('-iprefix', 'joined-or-separate', 'preprocessor'),
  opt('-iquote', 'joined-or-separate', 'preprocessor'),
  opt('-isysroot', 'joined-or-separate', 'preprocessor'),
  opt('-isystem', 'joined-or-separate', 'preprocessor'),
  opt('-iwithprefix', 'joined-or-separate', 'preprocessor'),
  opt('-iwithprefixbefore', 'joined-or-separate', 'preprocessor'),
  opt('-l', 'joined-or-separate', 'linker'),
  opt('-nostdinc', 'flag', 'preprocessor'),
  opt('-o', 'joined-or-separate', 'output'),
  opt('-print-', 'joined', 'pass-through', 'information request'),
  opt('-save-temps', 'flag', 'pass-through', '-save-temps writes its own intermediate files'),
  opt('-save-temps=', 'joined', 'pass-through', '-save-temps writes its own intermediate files'),
  opt('-shared', 'flag', 'linker'),
  opt('-u', 'joined-or-separate', 'linker'),
  opt('-undef', 'flag', 'preprocessor'),
  opt('-wrapper', 'separate', 'compile'),
  opt('-x', 'joined-or-separate', 'language'),
  opt('-z', 'separate', 'linker'),
];

/** Any option the table does not list: a flag that affects code generation. */
export const UNKNOWN_OPTION: OptionSpec = { name: '', form: 'flag', role: 'compile' };

export type OptionMatch = { spec: OptionSpec; kind: 'exact' } | { spec: OptionSpec; kind: 'joined'; value: string };

/**
 * Finds the table entry for one argv item that starts with '-'. An exact name wins;
 * otherwise the longest name that accepts a joined argument and is a prefix of the item.
 */
export function lookupOption(arg: string, table: readonly OptionSpec[] = OPTION_TABLE): OptionMatch | undefined {
  let best: OptionSpec | undefined;
  for (const spec of table) {
    if (spec.name === arg && spec.form !== 'joined') return { spec, kind: 'exact' };
    const joinable = spec.form !== 'flag' && spec.form !== 'separate';
    if (joinable && arg.length > spec.name.length && arg.startsWith(spec.name)) {
      if (best === undefined || spec.name.length > best.name.length) best = spec;
    }
  }
  return best === undefined ? undefined : { spec: best, kind: 'joined', value: arg.slice(best.name.length) };
}
