import { asmFileName, depFileName, linkUnitBase, reportFileName } from './asm-names.js';

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

test('the sources of a compile-and-link call are named after the output and their position', () => {
  expect(linkUnitBase('bin/prog', 0, 'src/util.c')).toBe('bin/prog.0-util.c');
  expect(linkUnitBase('prog', 1, '/abs/lib/util.c')).toBe('prog.1-util.c');
  expect(asmFileName(linkUnitBase('out dir/a.out', 2, 'x.c'), 'original')).toBe('out dir/.kpatch_a.out.2-x.c.original.s');
});

test('the per-unit report sits next to the merged .s', () => {
  expect(reportFileName('obj/foo.o')).toBe('obj/.kpatch_foo.o.report.json');
  expect(reportFileName('foo.o')).toBe('.kpatch_foo.o.report.json');
});
