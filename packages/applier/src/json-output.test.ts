/** `tscare-ctl --json`: every command's document validates against the package's schema and states the facts. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { anonExecMappings, buildFixture, killTarget, runCtl, startTarget, linesAfter, type BuiltFixture, type Target } from './test-targets.js';

const SCHEMA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../tscare-ctl-output.schema.json');

let dir: string;
let hello: BuiltFixture;
let target: Target;
const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(fs.readFileSync(SCHEMA, 'utf8')));

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('these tests need root (ptrace of processes that are not our children)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscare-json-'));
  hello = buildFixture(dir, 'hello', 'foo.s', 'foobar.s', '0001');
  target = startTarget(hello.exe, ['20'], path.join(dir, 'hello.out'));
});

afterAll(() => {
  killTarget(target);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs tscare-ctl --json; stdout must be exactly one document that the schema accepts. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function ctlJson(args: string[], code: number): any {
  const r = runCtl(['--json', ...args]);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const doc: any = JSON.parse(r.stdout);
  if (!(validate(doc) as boolean)) throw new Error(`schema: ${JSON.stringify(validate.errors)}\n${r.stdout}`);
  expect(r.code).toBe(code);
  expect(doc.ok).toBe(code === 0);
  return doc;
}

test('patch, info, unpatch and their refusals as JSON documents', async () => {
  await linesAfter(target.out, 0, 2);
  const pid = target.pid;
  expect(ctlJson(['info', '-p', String(pid)], 0)).toEqual({ tool: 'tscare-ctl', command: 'info', ok: true, processes: [{ kind: 'listed', pid, objects: [], warnings: [] }] });

  const applied = ctlJson(['patch', '-p', String(pid), hello.kpatch], 0);
  expect(applied.command).toBe('patch');
  const [p] = applied.processes;
  expect(p).toMatchObject({ kind: 'applied', pid, cmdline: `${hello.exe}\\x0020\\x00`, attempts: 1, warnings: [] });
  expect(p.frozen_us).toBeGreaterThan(0);
  expect(p.patches).toEqual([{ object: hello.exe, id: '0001', base: `0x${anonExecMappings(pid)[0].split('-')[0]}`, size: expect.any(Number), functions: ['print_hello'] }]);

  expect(ctlJson(['info', '-p', String(pid)], 0).processes).toEqual([
    { kind: 'listed', pid, objects: [{ name: path.basename(hello.exe), build_id: hello.buildId, ids: ['0001'] }], warnings: [] },
  ]);

  const again = ctlJson(['patch', '-p', String(pid), hello.kpatch], 255);
  expect(again.processes[0]).toMatchObject({ kind: 'failed', pid, error: { code: 'PATCH_ALREADY_APPLIED', hint: expect.stringContaining('unpatch') } });

  const removed = ctlJson(['unpatch', '-p', String(pid), '-i', '0001'], 0);
  expect(removed.processes[0]).toMatchObject({ kind: 'removed', pid, objects: 1, attempts: 1 });
  expect(anonExecMappings(pid)).toEqual([]);

  const none = ctlJson(['unpatch', '-p', String(pid), '-i', '0001'], 255);
  expect(none.processes[0].error).toMatchObject({ code: 'PATCH_NOT_APPLIED', message: expect.stringContaining(`pid ${pid}`) });
});

test('failures before or without a process are JSON documents too', () => {
  const gone = ctlJson(['patch', '-p', '999999999', hello.kpatch], 255);
  expect(gone.processes).toEqual([{ kind: 'failed', pid: 999999999, error: expect.objectContaining({ code: 'PROCESS_NOT_FOUND' }) }]);

  expect(ctlJson(['frobnicate'], 255)).toMatchObject({ command: 'unknown', processes: [], error: { code: 'USAGE' } });

  const truncated = path.join(dir, 'truncated.kpatch');
  const data = fs.readFileSync(hello.kpatch);
  fs.writeFileSync(truncated, data.subarray(0, data.length - 100));
  expect(ctlJson(['patch', '-p', String(target.pid), truncated], 255)).toMatchObject({ command: 'patch', processes: [], error: { code: 'KPATCH_TRUNCATED' } });
});

test('the schema has teeth: a document with a missing or unknown field is rejected', () => {
  const good = { tool: 'tscare-ctl', command: 'patch', ok: true, processes: [
    { kind: 'applied', pid: 5, cmdline: 'x', frozen_us: 10, attempts: 1, warnings: [], notes: [], patches: [{ object: '/x', id: '1', base: '0x1000', size: 4096, functions: [] }] },
  ] };
  expect(validate(good)).toBe(true);
  const { frozen_us: _dropped, ...noFrozen } = good.processes[0];
  expect(validate({ ...good, processes: [noFrozen] })).toBe(false);
  expect(validate({ ...good, processes: [{ ...good.processes[0], kind: 'patched' }] })).toBe(false);
  expect(validate({ ...good, processes: [{ kind: 'failed', pid: 5, error: { code: 'bad code', message: 'm' } }] })).toBe(false);
  expect(validate({ ...good, extra: 1 })).toBe(false);
});
