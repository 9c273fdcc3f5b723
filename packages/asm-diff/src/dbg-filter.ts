/** `--dbg-filter`: the input with debug-only lines dropped (line info, debug labels, `.debug_*` sections). */
import { parseAssembly, type Statement } from 'gnu-as-parser';
import { isIgnorable } from './ignorable.js';

/**
 * Drops every physical line whose statements are all debug-only. Comments go too (as in
 * LibcarePlus), and so does a `.previous`/`.popsection` that closes a dropped `.debug_*`
 * section (kept alone it would switch to the wrong section). Blank lines stay.
 */
export function filterDebug(text: string, fileName: string): string {
  const file = parseAssembly(text, fileName);
  const kept: string[] = [];
  let before = '.text';
  for (const line of file.lines) {
    const stmts = file.statements.slice(line.firstStatement, line.firstStatement + line.statementCount);
    const blank = stmts.every((s) => s.kind === 'blank');
    let droppable = !blank;
    for (const s of stmts) {
      droppable &&= isIgnorable(s) || closesDebugSection(s, before);
      before = s.section.name;
    }
    if (!droppable) kept.push(line.raw);
  }
  return kept.join('\n');
}

function closesDebugSection(s: Statement, sectionBefore: string): boolean {
  return s.kind === 'directive' && (s.name === '.previous' || s.name === '.popsection') && sectionBefore.startsWith('.debug');
}
