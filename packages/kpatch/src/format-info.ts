import { describeInfoEntries } from './describe.js';
import type { KpatchFile } from './reader.js';

/** Largest time a JS Date can hold; build_time is a raw u64 and may be anything. */
const MAX_DATE_MS = 8.64e15;

function row(label: string, value: string | number): string {
  return `${label.padEnd(25)} ${value}`;
}

/** `libcare-dump -H` lines first, then the rest of the header and the info table. */
export function formatInfo(kp: KpatchFile): string {
  const h = kp.header;
  const lines = [
    row('Patch Name:', kp.path), row('Magic:', h.magic), row('Patch id:', h.id), row('buildid:', h.buildid),
    row('build_time:', h.build_time * 1000 <= MAX_DATE_MS ? `${h.build_time} (${new Date(h.build_time * 1000).toISOString()})` : h.build_time),
    row('kpatch_offset:', h.kpatch_offset), row('total_size:', h.total_size),
    row('ELF:', `machine ${kp.elf.header.e_machine}, ${kp.elf.sections.length} sections`),
    row('info entries:', kp.infoCount),
  ];
  for (const d of describeInfoEntries(kp)) {
    const what = d.isNew ? 'new function' : `replaces ${d.target ?? '?'} (${d.entry.dlen} bytes)`;
    lines.push(`  [${d.index}] ${d.name}: ${what}; new code ${d.source ?? '?'} (${d.entry.slen} bytes)`);
  }
  return lines.join('\n');
}
