import { asmFileName, depFileName } from './asm-names.js';

test('asm file names follow LibcarePlus: next to the file, .kpatch_<name>.<stage>.s', () => {
  expect(asmFileName('obj/foo.o', 'original')).toBe('obj/.kpatch_foo.o.original.s');
  expect(asmFileName('obj/foo.o', 'patched')).toBe('obj/.kpatch_foo.o.patched.s');
  expect(asmFileName('obj/foo.o', 'merged')).toBe('obj/.kpatch_foo.o.s');
  expect(asmFileName('foo.c', 'original')).toBe('.kpatch_foo.c.original.s');
  expect(asmFileName('/abs/dir/x.o', 'patched')).toBe('/abs/dir/.kpatch_x.o.patched.s');
});

test('dependency file names replace the last suffix, as gcc -MD does', () => {
  expect(depFileName('obj/foo.o')).toBe('obj/foo.d');
  expect(depFileName('obj.d/foo')).toBe('obj.d/foo.d');
  expect(depFileName('a.b.o')).toBe('a.b.d');
});
