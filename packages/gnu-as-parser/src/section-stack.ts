/**
 * gas's section state: the current section, the "previous" one (`.previous` swaps them)
 * and a real stack for `.pushsection`/`.popsection` of any depth.
 */
import type { Section } from './types.js';

interface Frame {
  readonly current: Section;
  readonly previous: Section | undefined;
}

/** The sections a file has declared, so that `.section X` without flags reuses X's flags. */
export type KnownSections = Map<string, { flags: string; type: string }>;

export interface SectionState {
  readonly current: Section;
  readonly previous: Section | undefined;
  readonly stack: readonly Frame[];
}

export function makeSection(name: string, flags: string, type: string, subsection = 0): Section {
  const exec = flags !== '' ? flags.includes('x') : /^\.(text|init|fini)(\.|$)/.test(name) || name === '.plt';
  return { name, flags, type, subsection, exec };
}

/** Default flags gas gives a section it first meets without a flag string. */
function defaultFlags(name: string): { flags: string; type: string } {
  if (/^\.(text|init|fini)(\.|$)/.test(name)) return { flags: 'ax', type: 'progbits' };
  if (/^\.t?bss(\.|$)/.test(name)) return { flags: name.startsWith('.t') ? 'awT' : 'aw', type: 'nobits' };
  if (/^\.tdata(\.|$)/.test(name)) return { flags: 'awT', type: 'progbits' };
  if (/^\.(data|init_array|fini_array)(\.|$)/.test(name)) return { flags: 'aw', type: 'progbits' };
  if (/^\.rodata(\.|$)/.test(name)) return { flags: 'a', type: 'progbits' };
  return { flags: '', type: '' };
}

export function initialState(): SectionState {
  return { current: makeSection('.text', 'ax', 'progbits'), previous: undefined, stack: [] };
}

/** Resolves a section named by a directive, remembering its first declared flags. */
export function resolveSection(
  known: KnownSections,
  name: string,
  flags: string | undefined,
  type: string | undefined,
  subsection = 0,
): Section {
  const seen = known.get(name);
  if (flags !== undefined && !seen) known.set(name, { flags, type: type ?? '' });
  const eff = seen ?? (flags !== undefined ? { flags, type: type ?? '' } : defaultFlags(name));
  if (!seen && flags === undefined) known.set(name, eff);
  return makeSection(name, eff.flags, eff.type, subsection);
}

/** `.section`, `.text`, `.data`, `.bss`: switch, and the old current becomes previous. */
export function switchTo(st: SectionState, next: Section): SectionState {
  return { current: next, previous: st.current, stack: st.stack };
}

export function pushSection(st: SectionState, next: Section): SectionState {
  return { current: next, previous: st.current, stack: [...st.stack, { current: st.current, previous: st.previous }] };
}

/** Returns undefined when the stack is empty (a syntax error for the caller to report). */
export function popSection(st: SectionState): SectionState | undefined {
  const top = st.stack[st.stack.length - 1];
  if (!top) return undefined;
  return { current: top.current, previous: top.previous, stack: st.stack.slice(0, -1) };
}

/** `.previous`: swap current and previous; a no-op when there is no previous. */
export function previousSection(st: SectionState): SectionState {
  if (!st.previous) return st;
  return { current: st.previous, previous: st.current, stack: st.stack };
}

export function subsection(st: SectionState, n: number): SectionState {
  const c = st.current;
  return switchTo(st, makeSection(c.name, c.flags, c.type, n));
}

function sameSection(a: Section | undefined, b: Section | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.name === b.name && a.flags === b.flags && a.type === b.type && a.subsection === b.subsection && a.exec === b.exec;
}

/** Equal states (by value): the same sections current, previous and on the stack, and the same sections known with the same flags. */
export function sameSectionState(a: SectionState, knownA: KnownSections, b: SectionState, knownB: KnownSections): boolean {
  if (!sameSection(a.current, b.current) || !sameSection(a.previous, b.previous) || a.stack.length !== b.stack.length) return false;
  for (let i = 0; i < a.stack.length; i++) {
    if (!sameSection(a.stack[i].current, b.stack[i].current) || !sameSection(a.stack[i].previous, b.stack[i].previous)) return false;
  }
  if (knownA.size !== knownB.size) return false;
  for (const [name, f] of knownA) {
    const g = knownB.get(name);
    if (g === undefined || g.flags !== f.flags || g.type !== f.type) return false;
  }
  return true;
}
