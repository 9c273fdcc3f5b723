/**
 * The statement records the parser creates. They hold offsets into the file's text, not
 * strings: a 44 MB `-g` file has 2.4 million statements, nearly all in debug sections that
 * no one reads, and millions of long-lived small strings cost more in garbage collection
 * than the whole diff. Strings are made when asked for; arguments are split on first use.
 */
import { splitArgs } from './split-line.js';
import type {
  BlankStatement,
  CommentStatement,
  DirectiveStatement,
  InstructionStatement,
  LabelStatement,
  Section,
} from './types.js';

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

/** Where a statement is: the file text and the statement's span in it. */
abstract class Located {
  constructor(
    protected readonly src: string,
    protected readonly start: number,
    protected readonly end: number,
    readonly line: number,
    readonly col: number,
    readonly section: Section,
  ) {}
}

export class Label extends Located implements LabelStatement {
  readonly kind = 'label' as const;
  /** The label's name as written (quotes kept). */
  get text(): string {
    return this.src.slice(this.start, this.end) + ':';
  }
  get name(): string {
    return unquote(this.src.slice(this.start, this.end));
  }
}

export class Comment extends Located implements CommentStatement {
  readonly kind = 'comment' as const;
  get text(): string {
    return this.src.slice(this.start, this.end);
  }
}

export class Blank implements BlankStatement {
  readonly kind = 'blank' as const;
  readonly col = 1;
  readonly text = '';
  constructor(
    readonly line: number,
    readonly section: Section,
  ) {}
}

/** A directive or instruction: `word rest`, `gap` = where the word ends. */
abstract class Body extends Located {
  #split: readonly string[] | undefined;
  constructor(src: string, start: number, end: number, line: number, col: number, section: Section, protected readonly gap: number, split?: readonly string[]) {
    super(src, start, end, line, col, section);
    this.#split = split;
  }
  get text(): string {
    return this.src.slice(this.start, this.end);
  }
  protected get word(): string {
    return this.src.slice(this.start, this.gap);
  }
  protected get rest(): string {
    return this.gap >= this.end ? '' : this.src.slice(this.gap, this.end).trim();
  }
  protected get split(): readonly string[] {
    return (this.#split ??= splitArgs(this.rest));
  }
}

export class Directive extends Body implements DirectiveStatement {
  readonly kind = 'directive' as const;
  get name(): string {
    return this.word;
  }
  get argText(): string {
    return this.rest;
  }
  get args(): readonly string[] {
    return this.split;
  }
}

export class Instruction extends Body implements InstructionStatement {
  readonly kind = 'instruction' as const;
  get mnemonic(): string {
    return this.word;
  }
  get operandText(): string {
    return this.rest;
  }
  get operands(): readonly string[] {
    return this.split;
  }
}
