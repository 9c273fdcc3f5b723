/** Raw ELF64 records, with the field names of elf(5); all values are plain numbers. */

export interface ElfHeader {
  e_type: number;
  e_machine: number;
  e_version: number;
  e_entry: number;
  e_phoff: number;
  e_shoff: number;
  e_flags: number;
  e_ehsize: number;
  e_phentsize: number;
  e_phnum: number;
  e_shentsize: number;
  e_shnum: number;
  e_shstrndx: number;
}

export interface SectionHeader {
  index: number;
  name: string;
  sh_name: number;
  sh_type: number;
  sh_flags: number;
  sh_addr: number;
  sh_offset: number;
  sh_size: number;
  sh_link: number;
  sh_info: number;
  sh_addralign: number;
  sh_entsize: number;
}

export interface ProgramHeader {
  p_type: number;
  p_flags: number;
  p_offset: number;
  p_vaddr: number;
  p_paddr: number;
  p_filesz: number;
  p_memsz: number;
  p_align: number;
}

export interface ElfSymbol {
  index: number;
  name: string;
  st_name: number;
  st_info: number;
  st_other: number;
  st_shndx: number;
  st_value: number;
  st_size: number;
  /** st_info >> 4 */
  bind: number;
  /** st_info & 0xf */
  type: number;
}

export interface ElfRela {
  index: number;
  r_offset: number;
  r_info: number;
  /** Signed. */
  r_addend: number;
  /** ELF64_R_SYM(r_info) */
  sym: number;
  /** ELF64_R_TYPE(r_info) */
  type: number;
}

export interface ElfNote {
  n_type: number;
  name: string;
  desc: Buffer;
}

export interface ElfDyn {
  d_tag: number;
  d_val: number;
}
