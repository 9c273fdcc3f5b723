/**
 * Writes patched sources and puts the originals back. The originals are kept in memory
 * and, before any source is touched, on disk under .lpmaketmp/backup with a manifest,
 * so a run killed hard (SIGKILL, power loss) is repaired by the next run, as
 * LibcarePlus's restore_origs does.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { FileChange } from './patch-set.js';

interface ManifestEntry {
  rel: string;
  /** File under backup/files holding the original, or null when the patch created it. */
  saved: string | null;
  mode: number;
  /** Top-most directory the patch had to create for a new file (removed again if empty). */
  createdDir: string | null;
}

export class SourceBackup {
  private readonly dir: string;
  private entries: ManifestEntry[] = [];
  private originals = new Map<string, string>();

  constructor(private readonly projectDir: string, tmpDir: string) {
    this.dir = join(tmpDir, 'backup');
  }

  /** Restores what an interrupted earlier run left patched. Returns the files put back. */
  restoreLeftover(): string[] {
    const manifest = join(this.dir, 'manifest.json');
    if (!existsSync(manifest)) {
      rmSync(this.dir, { recursive: true, force: true });
      return [];
    }
    this.entries = JSON.parse(readFileSync(manifest, 'utf8')) as ManifestEntry[];
    this.originals = new Map();
    return this.restore();
  }

  /** Saves the originals (disk, then manifest), then writes the patched contents. */
  apply(changes: readonly FileChange[]): void {
    mkdirSync(join(this.dir, 'files'), { recursive: true });
    this.entries = changes.map((c, i) => {
      const saved = c.before === null ? null : `${i}`;
      if (c.before !== null) {
        writeFileSync(join(this.dir, 'files', `${i}`), c.before, 'latin1');
        this.originals.set(c.rel, c.before);
      }
      return { rel: c.rel, saved, mode: c.mode, createdDir: c.before === null ? this.missingTop(c.rel) : null };
    });
    writeFileSync(join(this.dir, 'manifest.tmp'), JSON.stringify(this.entries));
    renameSync(join(this.dir, 'manifest.tmp'), join(this.dir, 'manifest.json'));
    for (const c of changes) this.write(c.rel, c.after, c.mode);
  }

  /** Puts every original back (idempotent) and forgets the backup. Returns the files. */
  restore(): string[] {
    for (const e of this.entries) {
      const original = this.originals.get(e.rel) ?? (e.saved === null ? null : readFileSync(join(this.dir, 'files', e.saved), 'latin1'));
      this.write(e.rel, original, e.mode);
      if (original === null && e.createdDir !== null) this.removeEmptyDirs(e.createdDir, dirname(resolve(this.projectDir, e.rel)));
    }
    const restored = this.entries.map((e) => e.rel);
    this.entries = [];
    this.originals = new Map();
    rmSync(this.dir, { recursive: true, force: true });
    return restored;
  }

  private write(rel: string, content: string | null, mode: number): void {
    const abs = resolve(this.projectDir, rel);
    if (content === null) {
      if (existsSync(abs)) unlinkSync(abs);
      return;
    }
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content, 'latin1');
    chmodSync(abs, mode);
  }

  private missingTop(rel: string): string | null {
    let dir = dirname(resolve(this.projectDir, rel));
    let top: string | null = null;
    while (!existsSync(dir)) {
      top = dir;
      dir = dirname(dir);
    }
    return top;
  }

  private removeEmptyDirs(top: string, from: string): void {
    for (let dir = from; dir.startsWith(top); dir = dirname(dir)) {
      try {
        rmdirSync(dir);
      } catch {
        return; // not empty (the build put files there): leave it
      }
    }
  }
}
