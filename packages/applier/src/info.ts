/** `tscare-ctl info`: the patches applied to a process, read from its memory only. */
import { buildIdKey, type MappedObject } from './objects.js';
import { ownerOf, snapshotTarget } from './target.js';
import { describeLeftover } from './leftovers.js';

export interface ObjectPatches {
  object: MappedObject;
  buildId: string;
  /** Patch ids in address order. */
  ids: string[];
}

export interface InfoListing {
  objects: ObjectPatches[];
  /** Mappings left by an interrupted tscare-ctl (not applied patches), described for the user. */
  leftovers: string[];
}

export function listApplied(pid: number): InfoListing {
  const snap = snapshotTarget(pid, false);
  try {
    const out: ObjectPatches[] = [];
    for (const patch of [...snap.applied].sort((a, b) => a.base - b.base)) {
      const object = ownerOf(snap, patch);
      if (!object) continue;
      let entry = out.find((e) => e.object === object);
      if (!entry) out.push((entry = { object, buildId: buildIdKey(object.buildId), ids: [] }));
      if (!entry.ids.includes(patch.header.id)) entry.ids.push(patch.header.id);
    }
    // LibcarePlus prints objects in maps order.
    out.sort((a, b) => snap.objects.indexOf(a.object) - snap.objects.indexOf(b.object));
    return { objects: out, leftovers: snap.leftovers.map((l) => describeLeftover(pid, l)) };
  } finally {
    snap.mem.close();
  }
}

/** The libcare-ctl info block: labels padded to 25 columns, one space, the value. */
export function formatInfo(pid: number, list: readonly { name: string; buildId: string; ids: readonly string[] }[]): string {
  const line = (label: string, value: string | number): string => `${label.padEnd(25)} ${value}\n`;
  return list.map((e) =>
    line('Pid:', pid) + line('Target:', e.name) + line('Build id:', e.buildId) +
    line('Applied patch number:', e.ids.length) + e.ids.map((id) => line('Patch id:', id)).join('') + '\n',
  ).join('');
}
