/** The resolver against this very process, checked with the real dynamic linker (dlsym/dlvsym). */
import koffi from 'koffi';
import { STT_FUNC, STT_GNU_IFUNC, STT_OBJECT } from '@tscare/elf';
import { findExecutable, lookupOrder } from './load-order.js';
import { findObjects } from './objects.js';
import { openProcMem } from './proc-mem.js';
import { readMaps } from './proc-maps.js';
import { makeResolver } from './symbol-resolver.js';

const libc = koffi.load('libc.so.6');
const dlsym = libc.func('uintptr_t dlsym(uintptr_t handle, const char *name)');
const dlvsym = libc.func('uintptr_t dlvsym(uintptr_t handle, const char *name, const char *version)');
const RTLD_DEFAULT = 0;

const objects = findObjects(process.pid, readMaps(process.pid));
const mem = openProcMem(process.pid, false);
const exe = findExecutable(process.pid, objects);
const order = lookupOrder(mem, objects, exe);
const resolver = makeResolver(order);
afterAll(() => mem.close());

test('lookup order starts with the executable, then its libraries in load order', () => {
  expect(order[0]).toBe(exe);
  const names = order.map((o) => o.name);
  expect(names.indexOf('libc.so.6')).toBeGreaterThan(0);
  // ld.so is loaded first but appended last in the link_map chain by glibc.
  expect(names.indexOf('libc.so.6')).toBeLessThan(names.indexOf('ld-linux-x86-64.so.2'));
});

test('functions and data resolve to what the dynamic linker gives', () => {
  const puts = resolver.resolve('puts@GLIBC_2.2.5')!;
  expect(puts).toMatchObject({ type: STT_FUNC, address: Number(dlsym(RTLD_DEFAULT, 'puts')) });
  expect(puts.object.name).toBe('libc.so.6');
  expect(resolver.resolve('environ')).toMatchObject({ type: STT_OBJECT, address: Number(dlsym(RTLD_DEFAULT, 'environ')) });
});

test('symbol versions pick the matching definition; IFUNCs are reported as such', () => {
  const old = resolver.resolve('realpath@GLIBC_2.2.5')!;
  const cur = resolver.resolve('realpath@@GLIBC_2.3')!;
  expect(old.address).toBe(Number(dlvsym(RTLD_DEFAULT, 'realpath', 'GLIBC_2.2.5')));
  expect(cur.address).toBe(Number(dlvsym(RTLD_DEFAULT, 'realpath', 'GLIBC_2.3')));
  expect(old.address).not.toBe(cur.address);
  expect(resolver.resolve('realpath')!.address).toBe(cur.address);
  expect(resolver.resolve('memcpy@GLIBC_2.14')!.type).toBe(STT_GNU_IFUNC);
  expect(resolver.resolve('tscare_no_such_symbol')).toBeUndefined();
});
