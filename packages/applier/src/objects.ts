/**
 * ELF objects mapped in a process: which file, where, with what load bias and build id.
 * Files are read through /proc/PID/map_files so a deleted or replaced file still works.
 */
import fs from 'node:fs';
import { ElfFile, PT_LOAD } from '@tscare/elf';
import type { Vma } from './proc-maps.js';
import { PAGE } from './holes.js';

export interface MappedObject {
  /** Path as shown in maps, without " (deleted)". */
  path: string;
  /** Basename, as LibcarePlus shows it. */
  name: string;
  vmas: Vma[];
  /** Lowest and highest address of the object's loaded image (the .bss tail included). */
  start: number;
  end: number;
  /** Run-time address minus link-time address. */
  bias: number;
  /** Full build id as lowercase hex ("" when the object has none). */
  buildId: string;
  elf: ElfFile;
}

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

function isFileBacked(v: Vma): boolean {
  return v.inode !== 0 && v.name.startsWith('/');
}

/** The file behind a mapping: map_files (works for deleted files), else the path seen from the process's root. */
function readMappedFile(pid: number, first: Vma): Buffer | undefined {
  // map_files names are the addresses without leading zeros, unlike the maps text.
  const candidates = [
    `/proc/${pid}/map_files/${first.start.toString(16)}-${first.end.toString(16)}`,
    `/proc/${pid}/root${first.name}`,
  ];
  for (const p of candidates) {
    try {
      return fs.readFileSync(p);
    } catch {
      // try the next way in
    }
  }
  return undefined;
}

function readObjectElf(pid: number, first: Vma): ElfFile | undefined {
  const data = readMappedFile(pid, first);
  if (!data || data.length < 64 || !data.subarray(0, 4).equals(ELF_MAGIC)) return undefined;
  try {
    return ElfFile.parse(data, first.name.replace(/ \(deleted\)$/, ''));
  } catch {
    return undefined; // not an ELF we understand; it cannot be the target of a patch either
  }
}

function loadBias(elf: ElfFile, first: Vma): number {
  const loads = elf.programHeaders.filter((p) => p.p_type === PT_LOAD);
  if (loads.length === 0) return 0;
  const lowest = Math.min(...loads.map((p) => p.p_vaddr));
  return first.start - (lowest - (lowest % PAGE));
}

/** Parsed files by "dev:inode:path", shared across the processes of one `-p all` run (null = not an ELF). */
export type ElfCache = Map<string, ElfFile | null>;

/** Groups file-backed mappings by (dev, inode) in maps order and parses each ELF once. */
export function findObjects(pid: number, vmas: readonly Vma[], cache: ElfCache = new Map()): MappedObject[] {
  const groups = new Map<string, Vma[]>();
  for (const v of vmas) {
    if (!isFileBacked(v)) continue;
    const key = `${v.dev}:${v.inode}`;
    const g = groups.get(key);
    if (g) g.push(v);
    else groups.set(key, [v]);
  }
  const out: MappedObject[] = [];
  for (const g of groups.values()) {
    const first = g.find((v) => v.offset === 0) ?? g[0];
    const key = `${first.dev}:${first.inode}:${first.name}`;
    let elf = cache.get(key);
    if (elf === undefined) cache.set(key, (elf = readObjectElf(pid, first) ?? null));
    if (!elf) continue;
    const path = first.name.replace(/ \(deleted\)$/, '');
    const bias = loadBias(elf, first);
    const loadEnd = bias + imageEnd(elf);
    // Only mappings inside the loaded image belong to the object: a program may map its own
    // file again elsewhere (node copies its text to large pages, for one).
    const own = g.filter((v) => v.start >= first.start && v.end <= loadEnd);
    const end = Math.max(...own.map((v) => v.end), loadEnd);
    out.push({ path, name: path.slice(path.lastIndexOf('/') + 1), vmas: own, start: first.start, end, bias, buildId: elf.buildId() ?? '', elf });
  }
  return out;
}

/** End of the highest PT_LOAD in memory (its .bss included), page-rounded, as a link-time address. */
function imageEnd(elf: ElfFile): number {
  const ends = elf.programHeaders.filter((p) => p.p_type === PT_LOAD).map((p) => p.p_vaddr + p.p_memsz);
  const end = ends.length > 0 ? Math.max(...ends) : 0;
  return Math.ceil(end / PAGE) * PAGE;
}

/** LibcarePlus keys patches by the first 20 bytes of the build id (40 hex chars). */
export function buildIdKey(buildId: string): string {
  return buildId.slice(0, 40);
}
