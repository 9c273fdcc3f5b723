/**
 * `-p all`, run inside a fresh PID namespace (unshare --pid --mount-proc) so that "all"
 * means only the test's own processes: two running the patched build, one another program.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildFixture, CLI } from './test-targets.js';

let dir: string;

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('these tests need root (ptrace, PID namespaces)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscare-ctl-all-'));
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const SCRIPT = `
set -u
cd "$1"
"$2" 10 > a.out 2>&1 & A=$!
"$2" 10 > b.out 2>&1 & B=$!
"$3" 10 > c.out 2>&1 & C=$!
echo "$A $B $C" > pids
sleep 0.3
cat /proc/$C/maps > c.maps.before
"$4" "$5" patch -p all "$6" > patch.out 2> patch.err; echo $? > patch.rc
wc -c < a.out > a.at; wc -c < b.out > b.at
sleep 0.3
cat /proc/$C/maps > c.maps.after
"$4" "$5" unpatch -p all -i 0009 > unpatch.out 2> unpatch.err; echo $? > unpatch.rc
wc -c < a.out > a.at2
sleep 0.3
kill $A $B $C
`;

function linesFrom(file: string, atFile: string): string[] {
  const at = Number(fs.readFileSync(path.join(dir, atFile), 'utf8').trim());
  return fs.readFileSync(path.join(dir, file)).subarray(at).toString('utf8').split('\n').slice(0, -1);
}

test('patch -p all patches the two processes of the build only; unpatch -p all removes it from both', () => {
  const fx = buildFixture(dir, 'hello', 'foo.s', 'foobar.s', '0009');
  const other = buildFixture(fs.mkdtempSync(path.join(dir, 'other-')), 'busy', 'busy.s', 'busy-patched.s', '0009');
  const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'sh', '-c', SCRIPT, 'sh', dir, fx.exe, other.exe, process.execPath, CLI, fx.kpatch],
    { encoding: 'utf8', timeout: 60000 });
  expect(r.status).toBe(0);
  const read = (f: string): string => fs.readFileSync(path.join(dir, f), 'utf8');
  const [a, b, c] = read('pids').trim().split(' ');

  expect(read('patch.rc').trim()).toBe('0');
  expect(read('patch.err')).toBe('');
  const out = read('patch.out');
  for (const pid of [a, b]) expect(out).toContain(`kpatch_ctl targeting pid ${pid}\n`);
  for (const pid of [a, b]) expect(out).toContain(`1 patch hunk(s) have been successfully applied to PID '${pid}'\n`);
  expect(out).toContain(`No patch(es) applicable to PID '${c}' have been found\n`);
  expect(out).not.toContain(`PID '1'`); // the namespace's init is never a target
  for (const f of ['a', 'b']) {
    const lines = linesFrom(`${f}.out`, `${f}.at`);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(new Set(lines.slice(0, 3))).toEqual(new Set(['Hello world being patched!']));
  }
  expect(read('c.maps.after')).toBe(read('c.maps.before'));

  expect(read('unpatch.rc').trim()).toBe('0');
  const un = read('unpatch.out');
  for (const pid of [a, b]) expect(un).toContain(`1 patch hunk(s) were successfully cancelled from PID '${pid}'\n`);
  expect(un).toContain(`No patch(es) cancellable from PID '${c}' were found\n`);
  const back = linesFrom('a.out', 'a.at2');
  expect(back.length).toBeGreaterThanOrEqual(3);
  expect(new Set(back)).toEqual(new Set(['Hello world!']));
});
