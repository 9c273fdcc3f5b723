import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectUnitReports, loadKeptReports, markPatchedStart } from './unit-reports.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tscare-reports-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function report(rel: string, changed: string[], added: string[] = []): string {
  const path = join(dir, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, JSON.stringify({ source: rel, output: `${rel}.o`, kind: 'merged', originalMissing: false, changed, added, newVariables: [] }));
  return path;
}

test('only reports written after the marker count; install trees and stale reports are left out', () => {
  const stale = report('lib/.kpatch_old.o.report.json', ['stale_fn']);
  const past = new Date(Date.now() - 60_000);
  utimesSync(stale, past, past);
  const marker = join(dir, 'marker');
  markPatchedStart(marker);
  utimesSync(marker, new Date(Date.now() - 1000), new Date(Date.now() - 1000));
  report('src/.kpatch_a.o.report.json', ['fix_me'], ['helper']);
  report('lpmake/.kpatch_copy.o.report.json', ['installed_copy']);
  report('src/.kpatch_torn.o.report.json', []);
  writeFileSync(join(dir, 'src/.kpatch_torn.o.report.json'), '{"changed": [');
  const keep = join(dir, 'kept.json');
  const found = collectUnitReports([dir, join(dir, 'src')], marker, [join(dir, 'lpmake')], keep);
  expect(found).toEqual([{ source: 'src/.kpatch_a.o.report.json', output: 'src/.kpatch_a.o.report.json.o', changed: ['fix_me'], added: ['helper'] }]);
  expect(loadKeptReports(keep)).toEqual(found);
  expect(JSON.parse(readFileSync(keep, 'utf8'))).toEqual(found);
  expect(loadKeptReports(join(dir, 'missing.json'))).toEqual([]);
});
