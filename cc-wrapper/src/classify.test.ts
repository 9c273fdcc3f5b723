import { classifyCall, defaultOutput, type CallPlan } from './classify.js';

function summary(plan: CallPlan): string {
  switch (plan.kind) {
    case 'pass-through':
      return `pass-through: ${plan.reason}`;
    case 'compile':
      return `compile ${plan.mode} ${plan.source.path} -> ${plan.output}`;
    case 'link':
      return `link [${plan.sources.map((s) => s.path).join(',')}]`;
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
    [['-O2', '-o', 'foo', 'foo.o', 'bar.o', '-lm'], 'link []'],
    [['-o', 'foo', 'foo.c', 'bar.o', '-Wl,--as-needed'], 'link [foo.c]'],
    [['foo.c', 'bar.c'], 'link [foo.c,bar.c]'],
    [['-E', 'foo.c'], 'pass-through: -E: preprocessing only (-E)'],
    [['-M', 'foo.c'], 'pass-through: -M: dependency listing only (-M implies -E)'],
    [['-c', 'foo.c', 'bar.c'], 'pass-through: 2 inputs with -c'],
    [['-c', '-', '-o', 'x.o'], 'pass-through: input -'],
    [['-c', 'foo.c', '-o', '/dev/null'], 'pass-through: output is /dev/null'],
    [['-S', 'foo.c', '-o', '-'], 'pass-through: output is stdout'],
    [['-c', 'start.S', '-o', 'start.o'], 'pass-through: assembler input start.S is not handled yet'],
    [['-c', 'start.s'], 'pass-through: assembler input start.s is not handled yet'],
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
