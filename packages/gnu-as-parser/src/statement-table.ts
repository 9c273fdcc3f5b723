/**
 * The parsed file's storage: one row of small integers per statement (kind, span, line,
 * column, word end, section), not one object. Statement objects are made when asked for and
 * not kept, so a 44 MB `-g` file (2.4 million statements, nearly all in debug sections that
 * no one reads) costs a few typed arrays instead of millions of long-lived objects.
 */
import { Blank, Comment, Directive, Instruction, Label } from './statements.js';
import type { AsmFile, AsmLine, Section, Statement } from './types.js';

const KIND_BLANK = 0;
const KIND_LABEL = 1;
const KIND_COMMENT = 2;
const KIND_DIRECTIVE = 3;
const KIND_INSTRUCTION = 4;

const KIND_NAMES: readonly Statement['kind'][] = ['blank', 'label', 'comment', 'directive', 'instruction'];

/** Rows per chunk: the table grows by whole chunks, so rows are never copied. */
const CHUNK_BITS = 15;
const CHUNK_ROWS = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_ROWS - 1;

/** Columns of the table, in row order. */
const COLUMNS = 7;
const C_KIND = 0;
const C_START = 1;
const C_END = 2;
const C_LINE = 3;
const C_COL = 4;
const C_GAP = 5;
const C_SECTION = 6;

export class StatementTable {
  readonly #chunks: Int32Array[] = [];
  #count = 0;
  /** The section of the last row and its index: consecutive statements nearly always share it. */
  #lastSection: Section | undefined;
  #lastSectionIndex = -1;
  readonly #sections: Section[] = [];
  readonly #sectionIndex = new Map<Section, number>();
  /** Arguments already split at parse time (section directives), by statement index. */
  readonly #args = new Map<number, readonly string[]>();

  get count(): number {
    return this.#count;
  }

  #push(kind: number, start: number, end: number, line: number, col: number, gap: number, section: Section): void {
    const i = this.#count;
    if ((i & CHUNK_MASK) === 0) this.#chunks.push(new Int32Array(COLUMNS * CHUNK_ROWS));
    const sec = section === this.#lastSection ? this.#lastSectionIndex : this.#indexOfSection(section);
    const rows = this.#chunks[i >>> CHUNK_BITS];
    const r = (i & CHUNK_MASK) * COLUMNS;
    rows[r + C_KIND] = kind;
    rows[r + C_START] = start;
    rows[r + C_END] = end;
    rows[r + C_LINE] = line;
    rows[r + C_COL] = col;
    rows[r + C_GAP] = gap;
    rows[r + C_SECTION] = sec;
    this.#count++;
  }

  #indexOfSection(section: Section): number {
    let sec = this.#sectionIndex.get(section);
    if (sec === undefined) {
      sec = this.#sections.length;
      this.#sections.push(section);
      this.#sectionIndex.set(section, sec);
    }
    this.#lastSection = section;
    this.#lastSectionIndex = sec;
    return sec;
  }

  /** `start`: where the blank line starts in the text. */
  blank(start: number, line: number, section: Section): void {
    this.#push(KIND_BLANK, start, start, line, 1, 0, section);
  }
  label(start: number, end: number, line: number, col: number, section: Section): void {
    this.#push(KIND_LABEL, start, end, line, col, 0, section);
  }
  comment(start: number, end: number, line: number, col: number, section: Section): void {
    this.#push(KIND_COMMENT, start, end, line, col, 0, section);
  }
  directive(start: number, end: number, line: number, col: number, gap: number, section: Section, args?: readonly string[]): void {
    if (args !== undefined) this.#args.set(this.#count, args);
    this.#push(KIND_DIRECTIVE, start, end, line, col, gap, section);
  }
  instruction(start: number, end: number, line: number, col: number, gap: number, section: Section): void {
    this.#push(KIND_INSTRUCTION, start, end, line, col, gap, section);
  }

  #cell(i: number, column: number): number {
    return this.#chunks[i >>> CHUNK_BITS][(i & CHUNK_MASK) * COLUMNS + column];
  }

  /**
   * Appends rows `first..end-1` of `from` (another file's table), moved by `offsetDelta` in
   * the text and `lineDelta` in line numbers: the statements of lines the two texts share.
   */
  copyRows(from: StatementTable, first: number, end: number, offsetDelta: number, lineDelta: number): void {
    const sections = from.#sections.map((sec) => this.#indexOfSection(sec));
    for (const [i, args] of from.#args) if (i >= first && i < end) this.#args.set(this.#count + i - first, args);
    for (let i = first; i < end; i++) {
      const src = from.#chunks[i >>> CHUNK_BITS];
      const r = (i & CHUNK_MASK) * COLUMNS;
      const j = this.#count;
      if ((j & CHUNK_MASK) === 0) this.#chunks.push(new Int32Array(COLUMNS * CHUNK_ROWS));
      const dst = this.#chunks[j >>> CHUNK_BITS];
      const w = (j & CHUNK_MASK) * COLUMNS;
      const kind = src[r + C_KIND];
      dst[w + C_KIND] = kind;
      dst[w + C_START] = src[r + C_START] + offsetDelta;
      dst[w + C_END] = src[r + C_END] + offsetDelta;
      dst[w + C_LINE] = src[r + C_LINE] + lineDelta;
      dst[w + C_COL] = src[r + C_COL];
      // Only directives and instructions have a word end (an offset); the others keep 0.
      dst[w + C_GAP] = kind === KIND_DIRECTIVE || kind === KIND_INSTRUCTION ? src[r + C_GAP] + offsetDelta : 0;
      dst[w + C_SECTION] = sections[src[r + C_SECTION]];
      this.#count = j + 1;
    }
  }

  /** The section switches among rows `from..to-1` (their arguments were split at parse time), in order. */
  *sectionSwitches(src: string, from: number, to: number): Generator<{ word: string; args: readonly string[] }> {
    // The map's insertion order is row order.
    for (const [i, args] of this.#args) {
      if (i >= to) return;
      if (i < from) continue;
      const rows = this.#chunks[i >>> CHUNK_BITS];
      const r = (i & CHUNK_MASK) * COLUMNS;
      yield { word: src.slice(rows[r + C_START], rows[r + C_GAP]), args };
    }
  }

  lineOf(i: number): number {
    return this.#cell(i, C_LINE);
  }

  /** `[word end, end)` of a directive or instruction row; `[end, end)` for the others. */
  restOf(i: number): readonly [number, number] {
    const kind = this.#cell(i, C_KIND);
    const end = this.#cell(i, C_END);
    return kind === KIND_DIRECTIVE || kind === KIND_INSTRUCTION ? [Math.min(this.#cell(i, C_GAP), end), end] : [end, end];
  }

  offsetOf(i: number): number {
    return this.#cell(i, C_START);
  }

  kindOf(i: number): Statement['kind'] {
    return KIND_NAMES[this.#cell(i, C_KIND)];
  }

  /** A new statement object for row `i` of `src`. */
  at(src: string, i: number): Statement {
    const rows = this.#chunks[i >>> CHUNK_BITS];
    const r = (i & CHUNK_MASK) * COLUMNS;
    const section = this.#sections[rows[r + C_SECTION]];
    const start = rows[r + C_START];
    const end = rows[r + C_END];
    const line = rows[r + C_LINE];
    const col = rows[r + C_COL];
    const gap = rows[r + C_GAP];
    switch (rows[r + C_KIND]) {
      case KIND_LABEL:
        return new Label(src, start, end, line, col, section);
      case KIND_COMMENT:
        return new Comment(src, start, end, line, col, section);
      case KIND_DIRECTIVE:
        return new Directive(src, start, end, line, col, section, gap, this.#args.get(i));
      case KIND_INSTRUCTION:
        return new Instruction(src, start, end, line, col, section, gap);
      default:
        return new Blank(line, section);
    }
  }
}

export class ParsedFile implements AsmFile {
  #lines: readonly AsmLine[] | undefined;
  #statements: readonly Statement[] | undefined;
  constructor(
    readonly fileName: string,
    readonly text: string,
    /** The rows; for the parser only (not part of `AsmFile`). */
    readonly table: StatementTable,
    /** Whether the parse skipped the lines of debug sections. */
    readonly skippedDebug: boolean,
  ) {}

  get statementCount(): number {
    return this.table.count;
  }

  statementAt(i: number): Statement {
    this.#check(i);
    return this.table.at(this.text, i);
  }

  kindAt(i: number): Statement['kind'] {
    this.#check(i);
    return this.table.kindOf(i);
  }

  restSpanAt(i: number): readonly [number, number] {
    this.#check(i);
    return this.table.restOf(i);
  }

  offsetAt(i: number): number {
    this.#check(i);
    return this.table.offsetOf(i);
  }

  #check(i: number): void {
    if (i < 0 || i >= this.table.count) throw new RangeError(`${this.fileName}: no statement ${i}`);
  }

  statementRange(first: number, last: number): Statement[] {
    const out: Statement[] = [];
    for (let i = Math.max(first, 0); i <= last && i < this.table.count; i++) out.push(this.table.at(this.text, i));
    return out;
  }

  get statements(): readonly Statement[] {
    return (this.#statements ??= this.statementRange(0, this.table.count - 1));
  }

  get lines(): readonly AsmLine[] {
    return (this.#lines ??= this.#makeLines());
  }

  #makeLines(): AsmLine[] {
    const raws = this.text.split('\n');
    const lines: AsmLine[] = new Array(raws.length);
    let k = 0;
    for (let idx = 0; idx < raws.length; idx++) {
      const firstStatement = k;
      while (k < this.table.count && this.table.lineOf(k) === idx + 1) k++;
      lines[idx] = { number: idx + 1, raw: raws[idx], firstStatement, statementCount: k - firstStatement };
    }
    return lines;
  }
}
