import { classifyCall, defaultOutput, type CallPlan } from './classify.js';

function summary(plan: CallPlan): string {
  switch (plan.kind) {
    case 'pass-through':
      return `pass-through: ${plan.reason}`;
    case 'compile':
      return `compile ${plan.mode} ${plan.units.map((u) => `${u.source.path} -> ${u.output}`).join(', ')}`;
    case 'assembler':
      return `assembler ${plan.unit.source.path} -> ${plan.unit.output}`;
    case 'link':
      return `link [${plan.sources.map((s) => s.path).join(',')}] -> ${plan.output}`;
  }
}

describe('classifyCall', () => {
  test.each<[string[], string]>([
    [['-O2', '-g', '-c', 'foo.c', '-o', 'obj/foo.o'], 'compile object foo.c -> obj/foo.o'],
    [['-c', 'src/foo.c'], 'compile object src/foo.c -> foo.o'],
    [['-S', 'foo.c'], 'compile assembly foo.c -> foo.s'],
    [['-c', '-S', 'foo.c', '-ofoo.s'], 'compile assembly foo.c -> foo.s'],
    [['-c', '-x', 'c', 'foo.inc', '-o', 'foo.o'], 'compile object foo.inc -> foo.o'],
    [['-c', 'foo.cpp'], 'compile object foo.cpp -> foo.o'],
    [['-MD', '-MF', 'foo.d', '-MT', 'foo.o', '-c', 'foo.c'], 'compile object foo.c -> foo.o'],
    [['-O2', '-o', 'foo', 'foo.o', 'bar.o', '-lm'], 'link [] -> foo'],
    [['-o', 'foo', 'foo.c', 'bar.o', '-Wl,--as-needed'], 'link [foo.c] -> foo'],
    [['foo.c', 'bar.c'], 'link [foo.c,bar.c] -> a.out'],
    [['-ofoo', '-Xlinker', '--as-needed', 'a.c', '-Wl,-z,now'], 'link [a.c] -> foo'],
    [['-c', '-include', 'config.h', '-x', 'c', 'gen.inc', '-x', 'none', '-o', 'gen.o'], 'compile object gen.inc -> gen.o'],
    [['-MD', '-MF', 'x.d', '-MT', 'x.o', '-MQ', '$(x)', '-c', 'my dir/a b.c', '-o', 'out dir/a b.o'], 'compile object my dir/a b.c -> out dir/a b.o'],
    [['-E', 'foo.c'], 'pass-through: -E: preprocessing only (-E)'],
    [['-M', 'foo.c'], 'pass-through: -M: dependency listing only (-M implies -E)'],
    [['-c', 'foo.c', 'src/bar.cc'], 'compile object foo.c -> foo.o, src/bar.cc -> bar.o'],
    [['-S', 'foo.c', 'bar.c'], 'compile assembly foo.c -> foo.s, bar.c -> bar.s'],
    [['-c', 'foo.c', 'bar.c', '-o', 'x.o'], 'pass-through: -o with 2 inputs and -c'],
    [['-c', '-MD', '-MF', 'x.d', 'foo.c', 'bar.c'], 'pass-through: -MF with 2 inputs'],
    [['-c', 'foo.c', 'bar.o'], 'pass-through: bar.o is not a C/C++ source, among 2 inputs with -c'],
    [['-c', 'foo.c', 'start.S'], 'pass-through: start.S is not a C/C++ source, among 2 inputs with -c'],
    [['-c', '-', '-o', 'x.o'], 'pass-through: input -'],
    [['-c', 'foo.c', '-o', '/dev/null'], 'pass-through: output is /dev/null'],
    [['-S', 'foo.c', '-o', '-'], 'pass-through: output is stdout'],
    [['-c', 'start.S', '-o', 'start.o'], 'assembler start.S -> start.o'],
    [['-c', 'start.sx'], 'assembler start.sx -> start.o'],
    [['-c', '-x', 'assembler-with-cpp', 'start.asm'], 'assembler start.asm -> start.o'],
    [['-c', 'start.s'], 'assembler start.s -> start.o'],
    [['-S', 'start.s'], 'pass-through: -S of assembler input start.s does nothing to patch'],
    [['-c', 'foo.c', '-o/dev/null'], 'pass-through: output is /dev/null'],
    [['-x', 'c', '-', '-o', '/dev/null'], 'pass-through: input -'],
    [['-c', 'conftest.c'], 'pass-through: configure probe (conftest.c)'],
    [['-c', 'foo.h'], 'pass-through: input foo.h is a header'],
    [['-c', 'foo.o'], 'pass-through: foo.o is not a C/C++ source'],
    [['--version'], 'pass-through: --version: information request'],
    [['-v'], 'pass-through: no input files'],
    [['-c', 'foo.c', '-flto'], 'pass-through: -flto: link-time optimisation: code is generated at link time, not from the .s'],
    [['-c', 'foo.c', '-save-temps'], 'pass-through: -save-temps: -save-temps writes its own intermediate files'],
    [['-c', 'foo.c', '-o'], 'pass-through: -o without its argument'],
    [['-MD', '-o', 'foo', 'foo.c'], 'pass-through: -MD/-MMD in a call that compiles and links'],
  ])('%j', (argv, expected) => {
    expect(summary(classifyCall(argv))).toBe(expected);
  });
});

describe('defaultOutput', () => {
  test.each<[string, 'object' | 'assembly', string]>([
    ['src/foo.c', 'object', 'foo.o'],
    ['foo.cpp', 'object', 'foo.o'],
    ['x.y.c', 'assembly', 'x.y.s'],
    ['noext', 'object', 'noext.o'],
  ])('%s (%s) → %s', (src, mode, out) => expect(defaultOutput(src, mode)).toBe(out));
});
