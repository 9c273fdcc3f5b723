/**
 * Run-forward on real processes: a thread asleep inside the function to replace is run to
 * its return and the patch goes in; a patch whose new code never returns cannot be removed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  anonExecMappings, buildFixture, killTarget, linesAfter, outputSize, runCtl, startTarget, type Target,
} from './test-targets.js';

let dir: string;
const targets: Target[] = [];

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('these tests need root (ptrace of processes that are not our children)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscare-forward-'));
});

afterAll(() => {
  targets.forEach(killTarget);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a thread sleeping 300 ms inside nap() is run forward to its return; the patch and the unpatch both go in', async () => {
  const fx = buildFixture(dir, 'nap', 'nap.s', 'nap-patched.s', '0005', ['-lpthread']);
  const t = startTarget(fx.exe, [], path.join(dir, 'nap.out'));
  targets.push(t);
  expect(new Set(await linesAfter(t.out, 0, 2))).toEqual(new Set(['nap 1']));

  const started = Date.now();
  const r = runCtl(['-v', 'patch', '-p', String(t.pid), fx.kpatch]);
  const took = Date.now() - started;
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`ran thread ${t.pid} out of nap forward: 1 reached the return, 0 did not`));
  expect(r.stdout).not.toContain('conservative stack scan');
  expect(took).toBeLessThan(3000 + 2000); // the bound plus the tool's own start-up
  const at = outputSize(t.out);
  expect(new Set(await linesAfter(t.out, at, 2))).toEqual(new Set(['nap 2']));

  // Unpatch: the thread now sleeps inside the new nap(), and is run out of it the same way.
  const u = runCtl(['-v', 'unpatch', '-p', String(t.pid), '-i', '0005']);
  expect(u.stderr).toBe('');
  expect(u.code).toBe(0);
  expect(u.stdout).toMatch(/forward: 1 reached the return/);
  const at2 = outputSize(t.out);
  expect(new Set(await linesAfter(t.out, at2, 2))).toEqual(new Set(['nap 1']));
  expect(anonExecMappings(t.pid)).toEqual([]);
  expect(fs.readdirSync(`/proc/${t.pid}/task`)).toHaveLength(2);
});

test('unpatch is refused while a thread runs new code that never returns; the patch stays and the process runs', async () => {
  const fx = buildFixture(dir, 'stuck', 'stuck.s', 'stuck-patched.s', '0003');
  const t = startTarget(fx.exe, ['10'], path.join(dir, 'stuck.out'));
  targets.push(t);
  expect(new Set(await linesAfter(t.out, 0, 2))).toEqual(new Set(['old']));
  const p = runCtl(['patch', '-p', String(t.pid), fx.kpatch]);
  expect(p.code).toBe(0);
  expect(new Set(await linesAfter(t.out, outputSize(t.out), 3))).toEqual(new Set(['new']));

  const started = Date.now();
  const u = runCtl(['unpatch', '-p', String(t.pid), '-i', '0003']);
  expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
  expect(u.code).toBe(255);
  expect(u.stdout).toContain(`Failed to cancel patches for ${t.pid}`);
  expect(u.stderr).toMatch(new RegExp(`error SAFETY_CHECK_FAILED: thread ${t.pid} of pid ${t.pid} (is executing|has a return address into) step \\(patch 0003\\) .*run forward to its return`));
  expect(anonExecMappings(t.pid)).toHaveLength(1);
  expect(fs.readFileSync(`/proc/${t.pid}/status`, 'utf8')).not.toMatch(/State:\s+[TtZ]/);
  expect(new Set(await linesAfter(t.out, outputSize(t.out), 3))).toEqual(new Set(['new']));
});
