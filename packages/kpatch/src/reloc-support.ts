import { TscareError } from '@tscare/errors';
import {
  EM_AARCH64, R_AARCH64_ABS64, R_AARCH64_ADD_ABS_LO12_NC, R_AARCH64_ADR_GOT_PAGE, R_AARCH64_ADR_PREL_PG_HI21,
  R_AARCH64_CALL26, R_AARCH64_JUMP26, R_AARCH64_LD64_GOT_LO12_NC, R_AARCH64_LDST32_ABS_LO12_NC,
  R_AARCH64_LDST64_ABS_LO12_NC, R_AARCH64_LDST8_ABS_LO12_NC, R_AARCH64_NONE, R_AARCH64_TLSIE_ADR_GOTTPREL_PAGE21,
  R_AARCH64_TLSIE_LD64_GOTTPREL_LO12_NC, R_X86_64_32, R_X86_64_32S, R_X86_64_64, R_X86_64_GOTPCREL, R_X86_64_GOTPCRELX,
  R_X86_64_GOTTPOFF, R_X86_64_NONE, R_X86_64_PC32, R_X86_64_REX_GOTPCRELX, type ElfRela, type ElfSymbol,
  type SectionHeader,
} from '@tscare/elf';

/** Relocation types the run-time linker resolves (reference §2.4), after rel-fixup. */
const X86_64_RESOLVED = new Set([
  R_X86_64_NONE, R_X86_64_64, R_X86_64_32, R_X86_64_32S, R_X86_64_PC32, R_X86_64_GOTPCREL, R_X86_64_GOTPCRELX,
  R_X86_64_REX_GOTPCRELX, R_X86_64_GOTTPOFF,
]);
const AARCH64_RESOLVED = new Set([
  R_AARCH64_NONE, R_AARCH64_ABS64, R_AARCH64_CALL26, R_AARCH64_JUMP26, R_AARCH64_ADR_PREL_PG_HI21,
  R_AARCH64_ADD_ABS_LO12_NC, R_AARCH64_ADR_GOT_PAGE, R_AARCH64_LD64_GOT_LO12_NC, R_AARCH64_LDST8_ABS_LO12_NC,
  R_AARCH64_LDST32_ABS_LO12_NC, R_AARCH64_LDST64_ABS_LO12_NC, R_AARCH64_TLSIE_ADR_GOTTPREL_PAGE21,
  R_AARCH64_TLSIE_LD64_GOTTPREL_LO12_NC,
]);

/**
 * Refuses at build time a relocation the applier (LibcarePlus's or tscare's) would
 * abort on at run time, naming where it is.
 */
export function checkResolvable(machine: number, path: string, rs: SectionHeader, rela: ElfRela, sym: ElfSymbol | undefined): void {
  const known = machine === EM_AARCH64 ? AARCH64_RESOLVED : X86_64_RESOLVED;
  if (known.has(rela.type)) return;
  throw new TscareError('KPATCH_RELOC_UNSUPPORTED', `${path}: ${rs.name} entry ${rela.index} (offset 0x${rela.r_offset.toString(16)}, symbol ${sym?.name || rela.sym}) has relocation type ${rela.type}, which no applier can resolve`, {
    hint: 'build the patched code with the same -fPIC/-fPIE and code model as the original (small model)',
  });
}
