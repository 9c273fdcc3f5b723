/**
 * Checks on an assembled merged object against the assembled original: what the
 * LibcarePlus tools rely on (`.kpatch.text` symbols, 48-byte info entries with the right
 * lengths) and that the original code and data are laid out byte for byte as before.
 */
import { execFileSync } from 'node:child_process';
import { sectionBytes, sections, symbols, type SymbolInfo } from './toolchain.js';

export interface MergedExpectation {
  readonly changed: readonly string[];
  readonly added: readonly string[];
}

function findSymbol(list: readonly SymbolInfo[], name: string): SymbolInfo {
  const s = list.find((x) => x.name === name);
  if (!s) throw new Error(`symbol ${name} not found`);
  return s;
}

/** Returns problems found (empty when everything holds). */
export function checkMergedObject(
  dir: string,
  objs: { origObj: string; patchedObj: string; mergedObj: string },
  exp: MergedExpectation,
): string[] {
  const { origObj, patchedObj, mergedObj } = objs;
  const problems: string[] = [];
  const msecs = sections(mergedObj);
  const msyms = symbols(mergedObj);
  const osyms = symbols(origObj);
  const ktext = msecs.find((s) => s.name === '.kpatch.text');
  const kinfo = msecs.find((s) => s.name === '.kpatch.info');
  if (!ktext || !ktext.flags.includes('X')) problems.push('no executable .kpatch.text');
  if (!kinfo) return [...problems, 'no .kpatch.info'];
  const entries = exp.changed.length + exp.added.length;
  if (kinfo.size !== 48 * entries) problems.push(`.kpatch.info is ${kinfo.size} bytes, want 48 x ${entries}`);
  const info = sectionBytes(dir, mergedObj, '.kpatch.info');
  const names = [...exp.changed.map((n) => ({ newsym: `${n}.kpatch`, orig: n as string | undefined })), ...exp.added.map((n) => ({ newsym: n, orig: undefined }))];
  names.forEach((e, i) => {
    const sym = findSymbol(msyms, e.newsym);
    if (ktext && sym.ndx !== String(ktext.index)) problems.push(`${e.newsym} is not in .kpatch.text`);
    const dlen = info.readUInt32LE(48 * i + 16);
    const slen = info.readUInt32LE(48 * i + 20);
    // A replaced function's dlen is its .size (F.Lfe sits right before `.size F, .-F`);
    // new functions and changed clones (no F.Lfe) have none.
    const replaced = e.orig !== undefined && msyms.some((x) => x.name === `${e.orig}.Lfe`);
    const want = replaced ? findSymbol(osyms, e.orig as string).size : 0;
    if (dlen !== want) problems.push(`entry ${i}: dlen ${dlen}, want ${want} (.size of ${e.orig} in the original object)`);
    if (slen < sym.size || slen === 0) problems.push(`entry ${i}: slen ${slen} < size of ${e.newsym} (${sym.size})`);
  });
  // gas turns a reference to a label that does not exist into an undefined symbol, silently.
  const external = new Set([...osyms, ...symbols(patchedObj)].filter((s) => s.ndx === 'UND').map((s) => s.name));
  // gas declares _GLOBAL_OFFSET_TABLE_ in any object with a @GOTPCREL reference (the GOT rewrite of library data).
  const gotDeclared = msyms.some((s) => s.name === '_GLOBAL_OFFSET_TABLE_' && s.ndx === 'UND') && !external.has('_GLOBAL_OFFSET_TABLE_');
  if (gotDeclared && /R_X86_64_(REX_)?GOTPCREL/.test(execFileSync('readelf', ['-rW', mergedObj], { encoding: 'utf8', maxBuffer: 1 << 30 }))) {
    external.add('_GLOBAL_OFFSET_TABLE_');
  }
  for (const s of msyms) if (s.ndx === 'UND' && !external.has(s.name)) problems.push(`merged object has an undefined symbol '${s.name}'`);
  for (const s of sections(origObj)) {
    if (!s.flags.includes('A') || s.name === '.eh_frame' || s.type === 'NOBITS' || s.type === 'RELA') continue;
    const a = sectionBytes(dir, origObj, s.name);
    const b = sectionBytes(dir, mergedObj, s.name);
    if (!a.equals(b)) problems.push(`original section ${s.name} differs in the merged object`);
  }
  return problems;
}
