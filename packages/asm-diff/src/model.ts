/** One input file as the differ sees it: parsed statements, blocks and who defines each symbol. */
import {
  cutBlocks,
  parseAssembly,
  type AliasBlock,
  type AsmFile,
  type Block,
  type FunctionBlock,
  type Statement,
  type VariableBlock,
} from 'gnu-as-parser';
import { isDebugLabel } from './ignorable.js';

export type DefiningBlock = FunctionBlock | VariableBlock | AliasBlock;

export interface FileModel {
  readonly name: string;
  readonly text: string;
  readonly file: AsmFile;
  readonly blocks: readonly Block[];
  readonly functions: readonly FunctionBlock[];
  readonly variables: readonly VariableBlock[];
  readonly aliases: readonly AliasBlock[];
  /** Symbol → the block that defines it (a function's labels belong to the function). */
  readonly owner: ReadonlyMap<string, DefiningBlock>;
}

/** `like`: the model of a file sharing most of the text (the original, for the patched file), whose parse can be reused. */
export function buildModel(text: string, name: string, like?: FileModel): FileModel {
  const file = parseAssembly(text, name, { skipDebugSections: true, like: like?.file });
  const blocks = cutBlocks(file);
  const owner = new Map<string, DefiningBlock>();
  const functions: FunctionBlock[] = [];
  const variables: VariableBlock[] = [];
  const aliases: AliasBlock[] = [];
  for (const b of blocks) {
    if (b.kind === 'function') {
      functions.push(b);
      // Debug labels (.LVL, .LBB...) are only named by debug sections: no owner needed.
      for (const l of b.labels) if (!isDebugLabel(l)) owner.set(l, b);
    } else if (b.kind === 'variable') {
      variables.push(b);
      owner.set(b.name, b);
      for (const l of b.labels) owner.set(l, b);
    } else if (b.kind === 'alias') {
      aliases.push(b);
      owner.set(b.name, b);
    }
  }
  return { name, text, file, blocks, functions, variables, aliases, owner };
}

export function statementsOf(m: FileModel, b: Block): readonly Statement[] {
  return m.file.statementRange(b.first, b.last);
}

/** The section a variable's data lives in (the section of its label, or `.bss` for `.comm`). */
export function variableSection(m: FileModel, v: VariableBlock): { name: string; flags: string } {
  const label = statementsOf(m, v).find((s) => s.kind === 'label' && s.name === v.name);
  if (!label) return { name: '.bss', flags: 'aw' };
  return { name: label.section.name, flags: label.section.flags };
}

export function isTlsVariable(m: FileModel, v: VariableBlock): boolean {
  const sec = variableSection(m, v);
  return sec.flags.includes('T') || /^\.t(data|bss)(\.|$)/.test(sec.name);
}

export function isWritableVariable(m: FileModel, v: VariableBlock): boolean {
  return variableSection(m, v).flags.includes('w');
}
