/**
 * Telling the target's C++ unwinder where the new code's call-frame information is, so that
 * an exception thrown in the new code, or thrown below it and passing through it, is caught
 * where it was before the patch instead of ending in std::terminate.
 *
 * `tscare-kpatch strip` carries the FDEs of the patch's code in `.kpatch.eh_frame`, followed
 * by a zeroed block for libgcc's registration record (`struct object`). After the commit,
 * one thread of the target calls `__register_frame_info(begin, object)`, the unwinder's own
 * entry point for code it did not load (JITs use it too). It takes the unwinder's object
 * lock and, in newer libgcc, allocates: so the thread chosen must not be stopped inside the
 * unwinder or the allocator, where it could hold either lock. Registration is done before the
 * freeze, while the patch is staged: once the jumps are written, the new code may throw at
 * once (seen: a program throwing every 20 ms died between the commit and a registration made
 * after it). A registered patch is never unmapped, so the unwinder never reads freed memory:
 * until the commit its mapping is marked retired (a refused patch stays so, a tool killed
 * meanwhile leaves nothing the next run would unmap), and removed patches are retired
 * anyway (applied.ts). LibcarePlus registers nothing.
 */
import { SHT_NOBITS } from '@tscare/elf';
import { EH_OBJECT_RESERVED, ehFrameLayout } from '@tscare/kpatch';
import type { MappedObject } from './objects.js';
import type { PatchPlan } from './plan.js';
import type { ProcMem } from './proc-mem.js';
import { readMaps } from './proc-maps.js';
import { getAddr } from './regs.js';
import { remoteCall, STUB_SIZE } from './remote-exec.js';
import { checkThread, type CodeRange } from './safety.js';
import { sleepMs } from './sleep-ms.js';
import { readStacks } from './stack-reader.js';
import type { SymbolResolver } from './symbol-resolver.js';
import { PTRACE_DETACH, type SysApi } from './sys.js';
import { awaitStop, listTasks, requestStop } from './threads.js';
import { stubSite } from './one-thread.js';
import type { UnwindTables } from './unwind.js';

/** Where one patch's frames and its registration record are in the target. */
export interface FrameBlock {
  patchId: string;
  /** Start of the patch's mapping (its header). */
  mapping: number;
  begin: number;
  object: number;
  objectSize: number;
}

/**
 * The block of a linked patch, if it carries frames. It is always in the writable part of the
 * mapping: computeLayout starts that part at `.kpatch.eh_frame` at the latest.
 */
export function frameBlockOf(plan: PatchPlan): FrameBlock | undefined {
  const sec = plan.kp.elf.sectionByName('.kpatch.eh_frame');
  if (sec === undefined || sec.sh_type === SHT_NOBITS) return undefined;
  const { objectOffset } = ehFrameLayout(plan.kp.elf.sectionData(sec));
  const { base, layout } = plan.linked;
  const begin = base + layout.elfOffset + sec.sh_offset;
  return { patchId: plan.kp.header.id, mapping: base, begin, object: begin + objectOffset, objectSize: EH_OBJECT_RESERVED };
}

/** Functions a thread may be inside of while holding a lock the registration takes. */
const UNWINDER_PREFIXES = ['_Unwind_', '__register_frame', '__deregister_frame', '__frame_state_for'];
const ALLOCATOR = ['malloc', 'free', 'calloc', 'realloc', 'reallocarray', 'memalign', 'posix_memalign', 'aligned_alloc', 'valloc', 'pvalloc', 'malloc_trim', 'fork'];

function unwinderRanges(o: MappedObject): CodeRange[] {
  const dynsym = o.elf.sections.find((s) => s.name === '.dynsym');
  if (!dynsym) return [];
  return o.elf.symbols(dynsym)
    .filter((s) => s.st_value !== 0 && s.st_size > 0 && UNWINDER_PREFIXES.some((p) => s.name.startsWith(p)))
    .map((s) => ({ start: s.st_value + o.bias, end: s.st_value + o.bias + s.st_size, name: s.name }));
}

function lockRanges(resolver: SymbolResolver, unwinder: MappedObject): CodeRange[] {
  const alloc = ALLOCATOR.flatMap((name) => {
    const r = resolver.resolve(name);
    return r && r.size > 0 ? [{ start: r.address, end: r.address + r.size, name }] : [];
  });
  return [...unwinderRanges(unwinder), ...alloc];
}

export interface RegistrationContext {
  sys: SysApi;
  pid: number;
  mem: ProcMem;
  objects: readonly MappedObject[];
  resolver: SymbolResolver;
  tables: UnwindTables;
}

export interface RegistrationOutcome {
  notes: string[];
  warnings: string[];
  /** The blocks the unwinder took: their mappings must never be unmapped. */
  registered: FrameBlock[];
}

/** Longest time spent looking for a thread that may run the registration. */
const SEARCH_MS = 2000;

export function isRegistered(mem: ProcMem, b: FrameBlock): boolean {
  // libgcc fills the record in (its code pointer at least); it was all zero before.
  return mem.read(b.object, b.objectSize).some((x) => x !== 0);
}

/**
 * Registers each block with the process's `__register_frame_info`, from a thread that holds
 * none of the locks it takes (the others keep running). A registration that cannot be made
 * is a warning, not an error: the patch can still be applied.
 */
export function registerFrames(ctx: RegistrationContext, blocks: readonly FrameBlock[]): RegistrationOutcome {
  if (blocks.length === 0) return { notes: [], warnings: [], registered: [] };
  const fn = ctx.resolver.resolve('__register_frame_info');
  if (!fn) {
    // A C program without libgcc_s: nothing in it throws C++ exceptions.
    return { notes: [`no C++ unwinder in pid ${ctx.pid} (no __register_frame_info): call-frame information of ${blocks.map((b) => b.patchId).join(', ')} not registered`], warnings: [], registered: [] };
  }
  const locks = lockRanges(ctx.resolver, fn.object);
  const deadline = Date.now() + SEARCH_MS;
  const stubAddr = stubSite(ctx.objects, STUB_SIZE);
  for (;;) {
    // Once per round: a thread's stack is found in them (threads may have started since the snapshot).
    const vmas = readMaps(ctx.pid);
    for (const tid of listTasks(ctx.pid)) {
      if (!requestStop(ctx.sys, ctx.pid, tid)) continue;
      const thread = awaitStop(ctx.sys, tid);
      if (!thread) continue;
      try {
        const [stack] = readStacks(ctx.sys, ctx.mem, ctx.pid, vmas, [getAddr(thread.regs, 'rsp')]);
        if (checkThread(thread, stack, ctx.tables, locks).kind === 'busy') continue;
        const rc = { sys: ctx.sys, mem: ctx.mem, thread, stubAddr };
        const failed = blocks.filter((b) => {
          remoteCall(rc, fn.address, [b.begin, b.object]);
          return !isRegistered(ctx.mem, b);
        });
        const where = `${fn.object.name}, thread ${tid}`;
        const registered = blocks.filter((b) => !failed.includes(b));
        return {
          notes: registered.map((b) => `patch ${b.patchId}: call-frame information registered with __register_frame_info (${where})`),
          warnings: failed.map((b) => `patch ${b.patchId}: __register_frame_info (${where}) did not take its call-frame information; a C++ exception thrown through the new code will end the process`),
          registered,
        };
      } finally {
        ctx.sys.ptrace(PTRACE_DETACH, tid, 0, thread.pendingSignal, ['ESRCH']);
      }
    }
    if (Date.now() >= deadline) break;
    sleepMs(10);
  }
  const why = `every thread of pid ${ctx.pid} was inside the C++ unwinder or the allocator for ${SEARCH_MS} ms`;
  return {
    notes: [],
    warnings: blocks.map((b) => `patch ${b.patchId}: ${why}, so its call-frame information was not registered; a C++ exception thrown through the new code will end the process`),
    registered: [],
  };
}
