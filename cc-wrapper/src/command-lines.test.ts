import { parseArgv, type ArgToken } from './parse-argv.js';
import type { InputToken } from './classify.js';
import { assembleArgv, compileToAsmArgv, linkArgv, linkSourceToAsmArgv } from './command-lines.js';

function parse(argv: string[]): { tokens: readonly ArgToken[]; inputs: InputToken[] } {
  const parsed = parseArgv(argv);
  if (parsed.kind !== 'parsed') throw new Error(parsed.reason);
  return { tokens: parsed.tokens, inputs: parsed.tokens.filter((t): t is InputToken => t.kind === 'input') };
}

describe('compileToAsmArgv', () => {
  test('replaces -c and -o, keeps everything else in order', () => {
    const { tokens, inputs } = parse(['-O2', '-g', '-Iinc', '-c', 'foo.c', '-o', 'obj/foo.o', '-Wall']);
    expect(compileToAsmArgv(tokens, inputs[0], 'obj/.kpatch_foo.o.original.s', 'obj/foo.o')).toEqual([
      '-O2', '-g', '-Iinc', '-Wall', '-S', 'foo.c', '-o', 'obj/.kpatch_foo.o.original.s',
    ]);
  });

  test('-MD keeps the object as dependency target and file', () => {
    const { tokens, inputs } = parse(['-MD', '-c', 'foo.c', '-o', 'obj/foo.o']);
    expect(compileToAsmArgv(tokens, inputs[0], 'A.s', 'obj/foo.o')).toEqual(['-MD', '-MF', 'obj/foo.d', '-MQ', 'obj/foo.o', '-S', 'foo.c', '-o', 'A.s']);
  });

  test('explicit -MF/-MT are left as the user wrote them', () => {
    const { tokens, inputs } = parse(['-MMD', '-MF', 'x.d', '-MT', 'x', '-c', 'foo.c']);
    expect(compileToAsmArgv(tokens, inputs[0], 'A.s', 'foo.o')).toEqual(['-MMD', '-MF', 'x.d', '-MT', 'x', '-S', 'foo.c', '-o', 'A.s']);
  });

  test('an explicit language stays in front of the source', () => {
    const { tokens, inputs } = parse(['-x', 'c', '-c', 'foo.inc']);
    expect(compileToAsmArgv(tokens, inputs[0], 'A.s', 'foo.o')).toEqual(['-S', '-x', 'c', 'foo.inc', '-o', 'A.s']);
  });
});

describe('assembleArgv', () => {
  const argv = ['-O2', '-g', '-I', 'inc', '-DX', '-include', 'c.h', '-MD', '-MF', 'x.d', '-Wa,--noexecstack', '-x', 'c', '-c', 'foo.c', '-o', 'foo.o'];
  test('drops preprocessing and dependency options, assembles the .s into the object', () => {
    const { tokens } = parse(argv);
    expect(assembleArgv(tokens, 'A.s', 'foo.o', true)).toEqual(['-O2', '-g', '-Wa,--noexecstack', '-c', '-x', 'assembler', 'A.s', '-o', 'foo.o']);
  });
  test('drops the debug options when the .s has no line info', () => {
    const { tokens } = parse([...argv, '-gdwarf-4']);
    expect(assembleArgv(tokens, 'A.s', 'foo.o', false)).toEqual(['-O2', '-Wa,--noexecstack', '-c', '-x', 'assembler', 'A.s', '-o', 'foo.o']);
  });
});

describe('link argv', () => {
  test('each source becomes assembler input in place; objects and libraries keep their order', () => {
    const { tokens, inputs } = parse(['-O2', '-g', '-DX', '-o', 'prog', 'a.c', 'b.o', 'c.c', '-lm', '-Wl,--as-needed']);
    const asmOf = new Map([[inputs[0], '.kpatch_a.c.s'], [inputs[2], '.kpatch_c.c.s']]);
    expect(linkArgv(tokens, asmOf, ['-Wl,-q'], true)).toEqual([
      '-O2', '-g', '-o', 'prog', '-x', 'assembler', '.kpatch_a.c.s', '-x', 'none', 'b.o',
      '-x', 'assembler', '.kpatch_c.c.s', '-lm', '-Wl,--as-needed', '-Wl,-q',
    ]);
  });

  test('preprocessor options stay when a .S input is preprocessed by the link call', () => {
    const { tokens, inputs } = parse(['-DX=1', '-Iinc', '-o', 'prog', 'a.c', 'start.S']);
    const asmOf = new Map([[inputs[0], 'A.s']]);
    expect(linkArgv(tokens, asmOf, [], true)).toEqual(['-DX=1', '-Iinc', '-o', 'prog', '-x', 'assembler', 'A.s', '-x', 'none', 'start.S']);
  });

  test('the per-source compile leaves out other inputs and linker options', () => {
    const { tokens, inputs } = parse(['-O2', '-o', 'prog', 'a.c', 'b.o', '-lm', '-Wl,-z,now', '-L', 'lib']);
    expect(linkSourceToAsmArgv(tokens, inputs[0], 'A.s')).toEqual(['-O2', '-S', 'a.c', '-o', 'A.s']);
  });
});
