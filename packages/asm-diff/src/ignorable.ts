/** Statements that do not describe code or data: debug line info, debug labels, comments. */
import type { Statement } from 'gnu-as-parser';

const DEBUG_LABEL = /^\.L(VL|VU|BB|BE|BI|BOE|FB|FE|FSB|CFI|text|etext|COLD|HOT|LST|LLST|LLRL|ASF|debug_|line|frame|SFDE|EFDE|ECIE|SCIE)\d*/;

export function isDebugLabel(name: string): boolean {
  // Debug labels all start with `.L`: other names are settled without the regular expression.
  return name.charCodeAt(0) === 46 && name.charCodeAt(1) === 76 && DEBUG_LABEL.test(name);
}

/** True for what change detection skips and copies drop. */
export function isIgnorable(s: Statement): boolean {
  if (s.kind === 'blank' || s.kind === 'comment') return true;
  if (s.section.name.startsWith('.debug')) return true;
  if (s.kind === 'label') return isDebugLabel(s.name);
  if (s.kind === 'directive') {
    if (s.name === '.loc' || s.name === '.loc_mark_labels') return true;
    if (s.name === '.file' && /^\d/.test(s.args[0] ?? '')) return true;
  }
  return false;
}
