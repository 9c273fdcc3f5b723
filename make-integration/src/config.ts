/**
 * tscare.toml: read with @iarna/toml, checked against tscare-toml.schema.json (kept at
 * the package top, so editors can use it too) with ajv, and turned into a typed object.
 * Every error names the file, the key and what the key allows.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import TOML from '@iarna/toml';
import { Ajv, type ErrorObject } from 'ajv';
import { TscareError } from '@tscare/errors';

export const CONFIG_FILE_NAME = 'tscare.toml';
export const SCHEMA_PATH = fileURLToPath(new URL('../tscare-toml.schema.json', import.meta.url));

export interface TscareConfig {
  file: string;
  patch: { id?: string; description?: string; cves: string[]; files?: string[]; level?: number };
  make: { command?: string; targets?: string[]; installTargets?: string[]; installVar?: string; jobs?: number };
  compiler: { extraFlags: string[] };
  binaries: { patch: string[]; skip: string[] };
}

/** The shape the schema guarantees once validation passed. */
interface RawConfig {
  patch?: { id?: string; description?: string; cves?: string[]; files?: string[]; level?: number };
  make?: { command?: string; targets?: string[]; install_targets?: string[]; install_var?: string; jobs?: number };
  compiler?: { extra_flags?: string[] };
  binaries?: { patch?: string[]; skip?: string[] };
}

/**
 * `--config FILE` must exist; without it `<projectDir>/tscare.toml` is used when present.
 * Returns undefined when there is no configuration at all.
 */
export function findConfig(explicit: string | undefined, projectDir: string): TscareConfig | undefined {
  if (explicit !== undefined) return loadConfig(resolve(projectDir, explicit));
  const implicit = resolve(projectDir, CONFIG_FILE_NAME);
  return existsSync(implicit) ? loadConfig(implicit) : undefined;
}

export function loadConfig(file: string): TscareConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TscareError('CONFIG_UNREADABLE', `cannot read ${file}: ${(e as Error).message}`);
  }
  return toConfig(file, validate(file, parseToml(file, text)));
}

function parseToml(file: string, text: string): unknown {
  try {
    return TOML.parse(text);
  } catch (e) {
    const err = e as Error & { line?: number; col?: number };
    const where = err.line === undefined ? '' : `:${err.line + 1}:${(err.col ?? 0) + 1}`;
    throw new TscareError('CONFIG_SYNTAX', `${file}${where}: not valid TOML: ${err.message.split('\n')[0].replace(/ at row \d+, col \d+, pos \d+:$/, '')}`, {
      hint: 'see https://toml.io for the syntax',
    });
  }
}

function validate(file: string, data: unknown): RawConfig {
  // A fresh Ajv per call: compiling this small schema costs about a millisecond and no
  // compiled validator is kept in module state.
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
  const check = ajv.compile<RawConfig>(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')));
  if (check(data)) return data;
  const problems = (check.errors ?? []).map(describeError);
  throw new TscareError('CONFIG_INVALID', `${file}: ${problems.length === 1 ? problems[0] : `\n  ${problems.join('\n  ')}`}`, {
    hint: `the allowed keys and values are in ${SCHEMA_PATH}`,
  });
}

/** `/make/targets/1` → `make.targets[1]`. */
function keyName(instancePath: string): string {
  return instancePath.split('/').slice(1).reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc === '' ? part : `${acc}.${part}`), '');
}

export function describeError(e: ErrorObject): string {
  const key = keyName(e.instancePath);
  const schema = (e.parentSchema ?? {}) as { description?: string; properties?: Record<string, unknown> };
  if (e.keyword === 'additionalProperties') {
    const unknown = (e.params as { additionalProperty: string }).additionalProperty;
    const allowed = Object.keys(schema.properties ?? {});
    const where = key === '' ? 'at the top level' : `in [${key}]`;
    const list = key === '' ? allowed.map((k) => `[${k}]`) : allowed;
    return `unknown key "${unknown}" ${where}; allowed: ${list.join(', ')}`;
  }
  const allowed = schema.description ?? e.message ?? 'see the schema';
  if (e.keyword === 'type') {
    const type = (e.params as { type: string }).type;
    return `${key} must be ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}, got ${JSON.stringify(e.data)}: ${allowed}`;
  }
  return `${key} = ${JSON.stringify(e.data)} is not allowed: ${allowed}`;
}

function toConfig(file: string, raw: RawConfig): TscareConfig {
  const dir = dirname(file);
  return {
    file,
    patch: {
      id: raw.patch?.id,
      description: raw.patch?.description,
      cves: raw.patch?.cves ?? [],
      // Patch files are named relative to the file that names them.
      files: raw.patch?.files?.map((f) => resolve(dir, f)),
      level: raw.patch?.level,
    },
    make: {
      command: raw.make?.command,
      targets: raw.make?.targets,
      installTargets: raw.make?.install_targets,
      installVar: raw.make?.install_var,
      jobs: raw.make?.jobs,
    },
    compiler: { extraFlags: raw.compiler?.extra_flags ?? [] },
    binaries: { patch: raw.binaries?.patch ?? [], skip: raw.binaries?.skip ?? [] },
  };
}
