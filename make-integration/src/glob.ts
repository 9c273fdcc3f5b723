/**
 * The small glob language of tscare.toml's `binaries.patch`/`binaries.skip`, matched
 * against paths relative to the install tree: `*` and `?` stay inside one path
 * component, `**` spans any number of components. Everything else is literal.
 */

export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` also matches no directory at all, so `**/foo` matches `foo`.
      if (glob[i + 2] === '/') {
        source += '(?:.*/)?';
        i += 2;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

export interface BinaryFilter {
  /** Empty: every binary is a candidate. */
  patch: readonly string[];
  skip: readonly string[];
}

export type FilterDecision = { kind: 'keep' } | { kind: 'skip'; reason: string };

/** Decides for one path relative to the install tree; `skip` wins over `patch`. */
export function filterBinary(rel: string, filter: BinaryFilter): FilterDecision {
  const skipped = filter.skip.find((g) => globToRegExp(g).test(rel));
  if (skipped !== undefined) return { kind: 'skip', reason: `binaries.skip "${skipped}"` };
  if (filter.patch.length > 0 && !filter.patch.some((g) => globToRegExp(g).test(rel))) {
    return { kind: 'skip', reason: `not in binaries.patch (${filter.patch.map((g) => `"${g}"`).join(', ')})` };
  }
  return { kind: 'keep' };
}
