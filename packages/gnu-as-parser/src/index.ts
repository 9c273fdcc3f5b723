export type {
  AsmFile,
  AsmLine,
  Section,
  Statement,
  LabelStatement,
  DirectiveStatement,
  InstructionStatement,
  CommentStatement,
  BlankStatement,
} from './types.js';
export { parseAssembly, printAssembly, type ParseOptions } from './parse.js';
export {
  cutBlocks,
  isSectionDirective,
  type Block,
  type FunctionBlock,
  type VariableBlock,
  type AliasBlock,
  type AttributeBlock,
  type OtherBlock,
} from './blocks.js';
export { mapSymbols, symbolsIn, humanName, isAutoName } from './symbols.js';
