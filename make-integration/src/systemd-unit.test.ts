/**
 * systemd/tscare.service: its keys as written, `systemd-analyze verify` without a single
 * warning, and its ExecStart accepted by the real tscare-ctl.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const UNIT = join(ROOT, 'make-integration/systemd/tscare.service');
const PATH_UNIT = join(ROOT, 'make-integration/systemd/tscare.path');
const TSCARE_CTL = join(ROOT, 'bin/tscare-ctl');

/** section → key → values (a key may repeat); comments and blank lines dropped. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header !== null) {
      current = new Map();
      sections.set(header[1], current);
      continue;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (kv === null || current === undefined) throw new Error(`line ${i + 1} is neither a section nor Key=value: ${raw}`);
    current.set(kv[1], [...(current.get(kv[1]) ?? []), kv[2]]);
  }
  return sections;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tscare-unit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The unit with the host paths replaced by the checkout's tscare-ctl and a scratch storage. */
function localCopy(mutate: (text: string) => string = (t) => t, unit = UNIT): string {
  mkdirSync(join(dir, 'storage'), { recursive: true });
  const text = readFileSync(unit, 'utf8').replaceAll('/usr/bin/tscare-ctl', TSCARE_CTL).replaceAll('/var/lib/tscare', join(dir, 'storage'));
  const file = join(dir, unit === UNIT ? 'tscare.service' : 'tscare.path');
  writeFileSync(file, mutate(text));
  return file;
}

function verify(file: string) {
  const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
  if (r.error !== undefined) throw new Error(`systemd-analyze is needed for this test (apt-get install systemd): ${r.error.message}`);
  return r;
}

test('a oneshot that applies /var/lib/tscare to all processes, late at boot', () => {
  const unit = parseUnit(readFileSync(UNIT, 'utf8'));
  expect([...unit.keys()]).toEqual(['Unit', 'Service', 'Install']);
  expect(Object.fromEntries(unit.get('Service') ?? [])).toEqual({
    Type: ['oneshot'], ExecStart: ['/usr/bin/tscare-ctl patch -p all /var/lib/tscare'], TimeoutStartSec: ['15min'],
  });
  expect(unit.get('Unit')?.get('ConditionDirectoryNotEmpty')).toEqual(['/var/lib/tscare']);
  expect(unit.get('Unit')?.get('After')).toEqual(['multi-user.target']);
  expect(Object.fromEntries(unit.get('Install') ?? [])).toEqual({ WantedBy: ['multi-user.target'] });
});

test('systemd-analyze verify: no error, no warning (and it does warn about a broken copy)', () => {
  const good = verify(localCopy());
  expect(good.stderr).toBe('');
  expect(good.status).toBe(0);
  const bad = verify(localCopy((t) => t.replace('Type=oneshot', 'Type=oneshoot').replace('[Install]', '[Install]\nWantedBy2=x')));
  expect(bad.stderr).toContain('Failed to parse service type, ignoring: oneshoot');
  expect(bad.stderr).toContain("Unknown key 'WantedBy2' in section [Install]");
});

test('its ExecStart runs with the real tscare-ctl (an empty storage in a private PID namespace: exit 0)', () => {
  const [execStart] = parseUnit(readFileSync(localCopy(), 'utf8')).get('Service')?.get('ExecStart') ?? [];
  const [cmd, ...args] = execStart.split(' ');
  const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', cmd, ...args], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
});

test('tscare.path starts tscare.service when /var/lib/tscare changes; systemd-analyze verify finds nothing', () => {
  const unit = parseUnit(readFileSync(PATH_UNIT, 'utf8'));
  expect(Object.fromEntries(unit.get('Path') ?? [])).toEqual({ PathChanged: ['/var/lib/tscare'], Unit: ['tscare.service'] });
  expect(Object.fromEntries(unit.get('Install') ?? [])).toEqual({ WantedBy: ['multi-user.target'] });
  localCopy(); // the service it names, beside it
  const good = verify(localCopy(undefined, PATH_UNIT));
  expect(good.stderr).toBe('');
  expect(good.status).toBe(0);
  const bad = verify(localCopy((t) => t.replace(/PathChanged=\/.*/, 'PathChanged=var/lib/tscare'), PATH_UNIT));
  expect(bad.stderr).toContain('PathChanged= path is not absolute');
  expect(bad.status).not.toBe(0);
});
