export * from './constants.js';
export type { ElfDyn, ElfHeader, ElfNote, ElfRela, ElfSymbol, ProgramHeader, SectionHeader } from './types.js';
export { ElfFile, readElfFile } from './reader.js';
export { parseNotes } from './notes.js';
export { alignUp } from './bytes.js';
export {
  encodeElfHeader, encodeRela, encodeRelas, encodeSectionHeader, encodeSymbol, encodeSymbols, StringTableBuilder, writeElf,
  type ElfImage, type ElfSectionImage,
} from './writer.js';
