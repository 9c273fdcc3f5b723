/**
 * The functions a patch changes, for the end-of-run table. In the patched stage tscare-cc
 * writes `.kpatch_<object>.report.json` next to every unit it rebuilds (the differ's
 * changed and new functions). The reports of THIS patched build are those newer than a
 * marker file written just before it; they are kept in `.lpmaketmp/reports.json` so that
 * `--update` can show the same table without building. A binary gets the functions of
 * those reports that it defines (its .symtab): that attributes a unit to the binaries it
 * was linked into without following the link lines.
 */
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { STT_FUNC, SHT_SYMTAB, readElfFile } from '@tscare/elf';

/** What tscare-cc writes (cc-wrapper's UnitReport); only the fields read here. */
export interface UnitReport {
  source: string;
  output: string;
  changed: string[];
  added: string[];
}

export interface BinaryFunctions {
  changed: string[];
  added: string[];
}

const REPORT_NAME = /^\.kpatch_.*\.report\.json$/;
/** Never searched: the install trees, the scratch directory, version control, packages. */
const SKIPPED_DIRS = new Set(['.git', 'node_modules', '.lpmaketmp']);

/** Marks the start of the patched build: reports at least as new as this file belong to it. */
export function markPatchedStart(marker: string): void {
  writeFileSync(marker, `${new Date().toISOString()}\n`);
}

/** Finds this build's reports under the roots, saves them to `keep` and returns them. */
export function collectUnitReports(roots: readonly string[], marker: string, exclude: readonly string[], keep: string): UnitReport[] {
  const since = statSync(marker).mtimeMs;
  const excluded = new Set(exclude.map((d) => resolve(d)));
  const files = new Set<string>();
  for (const root of roots) findReports(resolve(root), excluded, files);
  const reports: UnitReport[] = [];
  for (const file of [...files].sort()) {
    if (statSync(file).mtimeMs < since) continue; // from an earlier run: that unit was not rebuilt
    const parsed = readReport(file);
    if (parsed !== undefined) reports.push(parsed);
  }
  writeFileSync(keep, `${JSON.stringify(reports, null, 1)}\n`);
  return reports;
}

/** The reports saved by the last patched build (for --update); none when there was none. */
export function loadKeptReports(keep: string): UnitReport[] {
  if (!existsSync(keep)) return [];
  return JSON.parse(readFileSync(keep, 'utf8')) as UnitReport[];
}

function findReports(dir: string, excluded: ReadonlySet<string>, found: Set<string>): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // unreadable directory: nothing of ours is there
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory() && !SKIPPED_DIRS.has(e.name) && !excluded.has(path)) findReports(path, excluded, found);
    else if (e.isFile() && REPORT_NAME.test(e.name)) found.add(path);
  }
}

function readReport(file: string): UnitReport | undefined {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as Partial<UnitReport>;
    if (!Array.isArray(r.changed) || !Array.isArray(r.added)) return undefined;
    return { source: String(r.source), output: String(r.output), changed: r.changed.map(String), added: r.added.map(String) };
  } catch {
    return undefined; // a torn or foreign file must not fail the run; the table just lacks it
  }
}

/** The reported functions that `binary` defines (all of them when it has no .symtab). */
export function functionsOf(binary: string, reports: readonly UnitReport[]): BinaryFunctions {
  const defined = definedFunctions(binary);
  const pick = (names: string[]) => [...new Set(names)].filter((n) => defined === undefined || defined.has(n)).sort();
  return { changed: pick(reports.flatMap((r) => r.changed)), added: pick(reports.flatMap((r) => r.added)) };
}

function definedFunctions(binary: string): Set<string> | undefined {
  try {
    const elf = readElfFile(binary);
    const symtab = elf.sections.find((s) => s.sh_type === SHT_SYMTAB);
    if (symtab === undefined) return undefined;
    return new Set(elf.symbols(symtab).filter((s) => s.type === STT_FUNC && s.st_shndx !== 0).map((s) => s.name));
  } catch {
    return undefined;
  }
}
