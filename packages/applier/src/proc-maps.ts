/** Parsing /proc/PID/maps. */
import fs from 'node:fs';
import { TscareError } from '@tscare/errors';

export interface Vma {
  start: number;
  end: number;
  /** e.g. "r-xp" */
  perms: string;
  offset: number;
  dev: string;
  inode: number;
  /** Path or pseudo-name ("[heap]"); "" for an anonymous mapping. " (deleted)" is kept. */
  name: string;
  /** The "start-end" text as in maps, which is also the /proc/PID/map_files entry name. */
  range: string;
}

export function parseMaps(text: string): Vma[] {
  const out: Vma[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const m = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S{4})\s+([0-9a-f]+)\s+(\S+)\s+(\d+)\s*(.*)$/.exec(line);
    if (!m) throw new TscareError('PROC_MAPS_PARSE', `unexpected line in /proc/PID/maps: ${JSON.stringify(line)}`);
    out.push({
      start: parseInt(m[1], 16), end: parseInt(m[2], 16), perms: m[3], offset: parseInt(m[4], 16),
      dev: m[5], inode: Number(m[6]), name: m[7], range: `${m[1]}-${m[2]}`,
    });
  }
  return out;
}

export function readMaps(pid: number): Vma[] {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/maps`, 'utf8');
  } catch (e) {
    throw new TscareError('PROCESS_NOT_FOUND', `process ${pid} does not exist (cannot read /proc/${pid}/maps)`, {
      cause: e,
      hint: 'check the pid with ps',
    });
  }
  return parseMaps(text);
}
