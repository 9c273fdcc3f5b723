import { TscareError } from '@tscare/errors';
import { alignUp } from './bytes.js';
import type { ElfNote } from './types.js';

/**
 * Parses a note area (an SHT_NOTE section or a PT_NOTE segment). Name and desc are
 * padded to `align`, which is 4 for ordinary notes and 8 for areas whose sh_addralign /
 * p_align says so (.note.gnu.property), as readelf does.
 */
export function parseNotes(area: Buffer, align: number, where: string): ElfNote[] {
  const pad = align === 8 ? 8 : 4;
  const notes: ElfNote[] = [];
  let off = 0;
  while (off + 12 <= area.length) {
    const namesz = area.readUInt32LE(off);
    const descsz = area.readUInt32LE(off + 4);
    const n_type = area.readUInt32LE(off + 8);
    const nameOff = off + 12;
    const descOff = alignUp(nameOff + namesz, pad);
    const end = alignUp(descOff + descsz, pad);
    if (descOff + descsz > area.length) {
      throw new TscareError('ELF_BAD_NOTE', `${where}: note at offset ${off} (namesz ${namesz}, descsz ${descsz}) overruns its area of ${area.length} bytes`, {
        hint: 'the file is corrupt; rebuild it',
      });
    }
    const rawName = area.subarray(nameOff, nameOff + namesz);
    const nul = rawName.indexOf(0);
    notes.push({ n_type, name: rawName.toString('latin1', 0, nul < 0 ? rawName.length : nul), desc: area.subarray(descOff, descOff + descsz) });
    off = end;
  }
  return notes;
}
