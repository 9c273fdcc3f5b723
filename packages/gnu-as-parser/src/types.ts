/** The data model of a parsed GNU as (AT&T x86-64) file. */

/** A section as gas tracks it: name, flags and type from the declaring directive, subsection number. */
export interface Section {
  readonly name: string;
  /** The flag string without quotes (`ax`, `aMS`, ...); '' when never declared with flags. */
  readonly flags: string;
  /** `@progbits`, `@nobits`, ... without the `@`; '' when unknown. */
  readonly type: string;
  readonly subsection: number;
  /** True for code sections (flag `x`, or a `.text*` name when no flags were given). */
  readonly exec: boolean;
}

interface StatementBase {
  /** 1-based physical line number. */
  readonly line: number;
  /** 1-based column where the statement starts. */
  readonly col: number;
  /** The statement's own source text, trimmed (no `;`, no trailing comment). */
  readonly text: string;
  /** The section in effect after this statement (for a section directive: the one it switches to). */
  readonly section: Section;
}

export interface LabelStatement extends StatementBase {
  readonly kind: 'label';
  readonly name: string;
}

export interface DirectiveStatement extends StatementBase {
  readonly kind: 'directive';
  /** Directive name with its dot, e.g. `.section`. */
  readonly name: string;
  /** Arguments split at top-level commas, trimmed (computed on first use). */
  readonly args: readonly string[];
  /** Everything after the name, trimmed. */
  readonly argText: string;
}

export interface InstructionStatement extends StatementBase {
  readonly kind: 'instruction';
  readonly mnemonic: string;
  /** Operands split at top-level commas, trimmed (computed on first use). */
  readonly operands: readonly string[];
  readonly operandText: string;
}

export interface CommentStatement extends StatementBase {
  readonly kind: 'comment';
}

export interface BlankStatement extends StatementBase {
  readonly kind: 'blank';
}

export type Statement =
  | LabelStatement
  | DirectiveStatement
  | InstructionStatement
  | CommentStatement
  | BlankStatement;

export interface AsmLine {
  /** 1-based physical line number. */
  readonly number: number;
  /** The exact text of the line, without its `\n` (a `\r` stays). */
  readonly raw: string;
  /** Index in `AsmFile.statements` of the line's first statement (a blank line has one `blank`). */
  readonly firstStatement: number;
  /** How many statements the line holds (at least 1). */
  readonly statementCount: number;
}

export interface AsmFile {
  readonly fileName: string;
  /** The input text, as given. */
  readonly text: string;
  /** The physical lines (made on first use). */
  readonly lines: readonly AsmLine[];
  /** How many statements the file has. */
  readonly statementCount: number;
  /** Statement `i` (0-based), made on each call and not kept: use this on large files. */
  statementAt(i: number): Statement;
  /** The kind of statement `i`, without making the statement. */
  kindAt(i: number): Statement['kind'];
  /** Where statement `i` starts in `text` (a blank statement: where its line starts). */
  offsetAt(i: number): number;
  /**
   * Where the operands (instruction) or arguments (directive) of statement `i` lie in `text`:
   * `[start, end)`, untrimmed; an empty span for other kinds. For scans that make no strings.
   */
  restSpanAt(i: number): readonly [number, number];
  /** Statements `first..last` (inclusive), made on each call. */
  statementRange(first: number, last: number): Statement[];
  /** Every statement of the file in order (a line holds one or more); made on first use and kept. */
  readonly statements: readonly Statement[];
}
