/** A snapshot of a target process taken outside the freeze: maps, ELF objects, applied patches. */
import fs from 'node:fs';
import { TscareError } from '@tscare/errors';
import { findPatchMappings, type AppliedPatch, type Leftover } from './applied.js';
import { buildIdKey, findObjects, type ElfCache, type MappedObject } from './objects.js';
import { openProcMem, type ProcMem } from './proc-mem.js';
import { readMaps, type Vma } from './proc-maps.js';
import { checkNotZombie } from './process-state.js';

export interface TargetSnapshot {
  pid: number;
  vmas: Vma[];
  objects: MappedObject[];
  applied: AppliedPatch[];
  /** Staged or pending mappings left by a tscare-ctl that was killed; the next patch/unpatch clears them. */
  leftovers: Leftover[];
  mem: ProcMem;
}

export function checkPid(pid: number): void {
  if (!Number.isInteger(pid) || pid <= 0 || !fs.existsSync(`/proc/${pid}/maps`)) {
    throw new TscareError('PROCESS_NOT_FOUND', `process ${pid} does not exist`, { hint: 'check the pid with ps' });
  }
}

export function snapshotTarget(pid: number, writable: boolean, cache?: ElfCache): TargetSnapshot {
  checkPid(pid);
  checkNotZombie(pid);
  const vmas = readMaps(pid);
  const mem = openProcMem(pid, writable);
  try {
    const found = findPatchMappings(vmas, mem, pid);
    return { pid, vmas, objects: findObjects(pid, vmas, cache), applied: found.applied, leftovers: found.leftovers, mem };
  } catch (e) {
    mem.close();
    throw e;
  }
}

/** The ELF object an applied patch belongs to (LibcarePlus: first object with that build id). */
export function ownerOf(snap: TargetSnapshot, patch: AppliedPatch): MappedObject | undefined {
  return snap.objects.find((o) => o.buildId !== '' && buildIdKey(o.buildId) === patch.header.buildid);
}

/** /proc/PID/cmdline with every byte that is not printable shown as \xNN (NULs included), as libcare-ctl prints it. */
export function escapedCmdline(pid: number): string {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(`/proc/${pid}/cmdline`);
  } catch {
    return '';
  }
  let out = '';
  for (const b of raw) out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return out;
}

/** Reads one byte the snapshot saw mapped: throws once the address space it was taken of is gone (exec). */
export function probeSnapshot(snap: TargetSnapshot): void {
  const readable = snap.vmas.find((v) => v.perms[0] === 'r');
  if (readable) snap.mem.read(readable.start, 1);
}
