/**
 * examples/cmake-shared: a CMake project (libgreet.so and greet-app using it) built by
 * tscare-patch-make through the project's lpmakefile, one .kpatch per changed ELF object
 * in patchroot/, both applied to a running greet-app with one `tscare-ctl patch -p PID
 * patchroot/` and removed with one unpatch.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readelfBuildId } from '../support/flows.js';
import { repoRoot, tool } from '../support/paths.js';
import { runOk } from '../support/run.js';
import { TargetProcess } from '../support/target-process.js';

const OLD = ['libgreet: Hello, tscare!', 'greet-app: still running'];
const NEW = ['libgreet: Hello, tscare, from the patched library!', 'greet-app: still running, patched'];

let workDir: string;
let target: TargetProcess | undefined;

beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscare-e2e-cmake-'));
  fs.cpSync(path.join(repoRoot, 'examples', 'cmake-shared'), workDir, {
    recursive: true,
    filter: (src) => !/(^|\/)(lpmake|\.lpmaketmp|patchroot|build-tscare)$/.test(src),
  });
});

afterAll(() => {
  target?.kill();
  fs.rmSync(workDir, { recursive: true, force: true });
});

/** The next `count` lines: every one from `expected`, and each of `expected` among them. */
async function expectLines(t: TargetProcess, expected: string[], unexpected: string[], count = 4): Promise<void> {
  const lines = await t.linesAfter(t.lines().length, count);
  expect(new Set(lines)).toEqual(new Set(expected));
  for (const line of unexpected) expect(lines).not.toContain(line);
  expect(t.isAlive()).toBe(true);
}

test('the library and the executable are patched and unpatched together in a running process', async () => {
  const make = runOk(tool('tscare-patch-make'), ['--clean', '-i', '0001', 'greeting.patch'], { cwd: workDir });
  const app = path.join(workDir, 'lpmake/usr/local/bin/greet-app');
  const lib = path.join(workDir, 'lpmake/usr/local/lib/libgreet.so.1.0.0');
  const patchroot = path.join(workDir, 'patchroot');
  const expected = [app, lib].map((f) => `${readelfBuildId(f)}.kpatch`).sort();
  expect(fs.readdirSync(patchroot).sort()).toEqual(expected);
  for (const f of [app, lib]) expect(make.stdout).toContain(`patch for ${f} is in ${patchroot}/${readelfBuildId(f)}.kpatch`);

  target = TargetProcess.start(app, ['50'], workDir);
  const pid = String(target.pid);
  expect(await target.linesAfter(0, 4)).toEqual([...OLD, ...OLD]);
  expect(target.maps()).toContain(lib);

  const patch = runOk(tool('tscare-ctl'), ['patch', '-p', pid, patchroot]);
  expect(patch.stdout).toContain(`2 patch hunk(s) have been successfully applied to PID '${pid}'`);
  await expectLines(target, NEW, OLD);

  const info = runOk(tool('tscare-ctl'), ['info', '-p', pid]).stdout;
  expect(info).toContain(`${'Target:'.padEnd(25)} greet-app\n`);
  expect(info).toContain(`${'Target:'.padEnd(25)} libgreet.so.1.0.0\n`);
  expect(info.match(/^Patch id: +0001$/gm)).toHaveLength(2);

  const unpatch = runOk(tool('tscare-ctl'), ['unpatch', '-p', pid, '-i', '0001']);
  expect(unpatch.stdout).toContain(`2 patch hunk(s) were successfully cancelled from PID '${pid}'`);
  await expectLines(target, OLD, NEW);
  expect(runOk(tool('tscare-ctl'), ['info', '-p', pid]).stdout).not.toContain('Patch id:');
});
