/**
 * Inputs tscare-ctl must refuse: each one exits 255 with the exact error code, names what
 * is wrong, and leaves the running target exactly as it was (same mappings, same output,
 * still alive).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { discoverCases, PatchCase } from '../support/cases.js';
import { buildCase } from '../support/flows.js';
import { tool } from '../support/paths.js';
import { run, runOk } from '../support/run.js';
import { TargetProcess } from '../support/target-process.js';

const hello = discoverCases().find((c) => c.name === 'hello') as PatchCase;
const [oldLine] = hello.lines.before;
const [newLine] = hello.lines.after;

describe('tscare-ctl refuses bad requests and leaves the target untouched', () => {
  let workDir: string;
  let built: { binary: string; kpatch: string; buildId: string };
  let target: TargetProcess;

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscare-refusals-'));
    const { binary, sets } = buildCase('manual', hello, workDir);
    const set = sets.get('0001');
    if (set?.buildIds.length !== 1) throw new Error('the hello case builds one .kpatch for patch 0001');
    built = { binary, kpatch: path.join(set.dir, `${set.buildIds[0]}.kpatch`), buildId: set.buildIds[0] };
    target = TargetProcess.start(built.binary, hello.args, workDir);
    await target.linesAfter(0, 1);
  });

  afterAll(() => {
    target?.kill();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  /** Runs tscare-ctl, expects a refusal with `code`, and checks the target is unchanged. */
  async function expectRefused(args: string[], code: string, mentions: string[]): Promise<string> {
    const mapsBefore = target.maps();
    const r = run(tool('tscare-ctl'), args);
    expect(r.code).toBe(255);
    expect(r.stderr).toContain(`error ${code}:`);
    for (const m of mentions) expect(r.stderr).toContain(m);
    expect(target.maps()).toBe(mapsBefore);
    expect(target.isAlive()).toBe(true);
    const from = target.lines().length;
    expect(await target.linesAfter(from, 2)).toEqual([oldLine, oldLine]);
    return r.stderr;
  }

  it('a pid that does not exist', () => {
    const r = run(tool('tscare-ctl'), ['patch', '-p', '999999999', built.kpatch]);
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('error PROCESS_NOT_FOUND:');
    expect(r.stderr).toContain('999999999');
  });

  it('a truncated .kpatch file', async () => {
    const truncated = path.join(workDir, 'truncated.kpatch');
    const bytes = fs.readFileSync(built.kpatch);
    fs.writeFileSync(truncated, bytes.subarray(0, bytes.length - 100));
    await expectRefused(['patch', '-p', String(target.pid), truncated], 'KPATCH_TRUNCATED', [truncated]);
  });

  it('a .kpatch file with a corrupted magic', async () => {
    const corrupted = path.join(workDir, 'corrupted.kpatch');
    const bytes = Buffer.from(fs.readFileSync(built.kpatch));
    bytes[3] ^= 0x40;
    fs.writeFileSync(corrupted, bytes);
    await expectRefused(['patch', '-p', String(target.pid), corrupted], 'KPATCH_BAD_MAGIC', [corrupted]);
  });

  it('a patch built for another build id', async () => {
    const other = path.join(workDir, 'other.kpatch');
    const bytes = Buffer.from(fs.readFileSync(built.kpatch));
    bytes.write('0123456789abcdef0123456789abcdef01234567', 88, 'latin1');
    fs.writeFileSync(other, bytes);
    await expectRefused(['patch', '-p', String(target.pid), other], 'PATCH_BUILDID_MISMATCH', [
      String(target.pid),
      '0123456789abcdef0123456789abcdef01234567',
      built.buildId,
    ]);
  });

  it('a patch id that is already applied', async () => {
    const pid = String(target.pid);
    runOk(tool('tscare-ctl'), ['patch', '-p', pid, built.kpatch]);
    const from = target.lines().length;
    expect(await target.linesAfter(from, 1)).toEqual([newLine]);

    const mapsBefore = target.maps();
    const again = run(tool('tscare-ctl'), ['patch', '-p', pid, built.kpatch]);
    expect(again.code).toBe(255);
    expect(again.stderr).toContain('error PATCH_ALREADY_APPLIED:');
    expect(again.stderr).toContain('0001');
    expect(target.maps()).toBe(mapsBefore);
    let info = runOk(tool('tscare-ctl'), ['info', '-p', pid]).stdout;
    expect(info).toContain(`${'Applied patch number:'.padEnd(25)} 1\n`);

    // From a storage directory (-p all, at boot, after installs) it is done, not an error.
    const fromDir = runOk(tool('tscare-ctl'), ['patch', '-p', pid, path.dirname(built.kpatch)]);
    expect(fromDir.stdout).toContain(`No patch(es) applicable to PID '${pid}' have been found`);
    expect(target.maps()).toBe(mapsBefore);
    info = runOk(tool('tscare-ctl'), ['info', '-p', pid]).stdout;
    expect(info).toContain(`${'Applied patch number:'.padEnd(25)} 1\n`);

    runOk(tool('tscare-ctl'), ['unpatch', '-p', pid, '-i', '0001']);
    const after = target.lines().length;
    expect(await target.linesAfter(after, 2)).toEqual([oldLine, oldLine]);
  });

  it('unpatching an id that is not applied', async () => {
    await expectRefused(['unpatch', '-p', String(target.pid), '-i', '0042'], 'PATCH_NOT_APPLIED', ['0042']);
  });
});
