/**
 * Finding the run-time address of a symbol the patch imports, as the dynamic linker would:
 * the first object in lookup order whose .dynsym defines it (in the requested version, or
 * the default version when none is asked for).
 */
import { SHN_UNDEF, STB_LOCAL, STT_TLS, type ElfFile, type ElfSymbol } from '@tscare/elf';
import type { MappedObject } from './objects.js';

export interface ResolvedSymbol {
  address: number;
  /** st_size of the definition. */
  size: number;
  /** STT_* of the definition (STT_GNU_IFUNC means `address` is the resolver). */
  type: number;
  object: MappedObject;
}

interface DynDef {
  sym: ElfSymbol;
  version: string | undefined;
  hidden: boolean;
}

export interface SymbolResolver {
  resolve(nameWithVersion: string): ResolvedSymbol | undefined;
}

const SHT_GNU_VERDEF = 0x6ffffffd;
const SHT_GNU_VERSYM = 0x6fffffff;
const VERSYM_HIDDEN = 0x8000;

function cstr(buf: Buffer, off: number): string {
  const end = buf.indexOf(0, off);
  return buf.toString('latin1', off, end < 0 ? buf.length : end);
}

/** Version index → name, from .gnu.version_d. */
function versionNames(elf: ElfFile): Map<number, string> {
  const out = new Map<number, string>();
  const verdef = elf.sections.find((s) => s.sh_type === SHT_GNU_VERDEF);
  if (!verdef) return out;
  const data = elf.sectionData(verdef);
  const strs = elf.sectionData(elf.sections[verdef.sh_link]);
  for (let off = 0, n = 0; off + 20 <= data.length && n < verdef.sh_info + 1; n++) {
    const ndx = data.readUInt16LE(off + 4);
    const aux = off + data.readUInt32LE(off + 12);
    if (aux + 8 <= data.length) out.set(ndx, cstr(strs, data.readUInt32LE(aux)));
    const next = data.readUInt32LE(off + 16);
    if (next === 0) break;
    off += next;
  }
  return out;
}

function dynamicDefinitions(elf: ElfFile): Map<string, DynDef[]> {
  const out = new Map<string, DynDef[]>();
  const dynsym = elf.sectionByName('.dynsym');
  if (!dynsym) return out;
  const versym = elf.sections.find((s) => s.sh_type === SHT_GNU_VERSYM);
  const vs = versym ? elf.sectionData(versym) : undefined;
  const names = versionNames(elf);
  for (const sym of elf.symbols(dynsym)) {
    if (sym.st_shndx === SHN_UNDEF || sym.bind === STB_LOCAL || sym.type === STT_TLS || sym.name === '') continue;
    const v = vs && vs.length >= 2 * (sym.index + 1) ? vs.readUInt16LE(2 * sym.index) : undefined;
    const def: DynDef = { sym, version: v === undefined ? undefined : names.get(v & 0x7fff), hidden: v !== undefined && (v & VERSYM_HIDDEN) !== 0 };
    const list = out.get(sym.name);
    if (list) list.push(def);
    else out.set(sym.name, [def]);
  }
  return out;
}

function pick(defs: DynDef[], version: string | undefined): DynDef | undefined {
  if (version !== undefined) {
    return defs.find((d) => d.version === version) ?? defs.find((d) => d.version === undefined);
  }
  return defs.find((d) => !d.hidden);
}

export function makeResolver(ordered: readonly MappedObject[]): SymbolResolver {
  const tables = new Map<MappedObject, Map<string, DynDef[]>>();
  const tableOf = (o: MappedObject): Map<string, DynDef[]> => {
    let t = tables.get(o);
    if (!t) tables.set(o, (t = dynamicDefinitions(o.elf)));
    return t;
  };
  return {
    resolve(nameWithVersion) {
      const at = nameWithVersion.indexOf('@');
      const name = at < 0 ? nameWithVersion : nameWithVersion.slice(0, at);
      const version = at < 0 ? undefined : nameWithVersion.slice(at).replace(/^@@?/, '');
      for (const o of ordered) {
        const defs = tableOf(o).get(name);
        const d = defs && pick(defs, version);
        if (d) return { address: d.sym.st_value + o.bias, size: d.sym.st_size, type: d.sym.type, object: o };
      }
      return undefined;
    },
  };
}
