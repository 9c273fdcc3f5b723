import { OPTION_TABLE, UNKNOWN_OPTION, lookupOption } from './option-table.js';

describe('OPTION_TABLE', () => {
  test('is sorted by name and has one entry per name', () => {
    const names = OPTION_TABLE.map((o) => o.name);
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(names.length);
  });

  test('every pass-through entry says why', () => {
    for (const spec of OPTION_TABLE.filter((o) => o.role === 'pass-through')) {
      expect(spec.reason).toEqual(expect.stringMatching(/\w/));
    }
  });

  test('covers the options the wrapper must understand', () => {
    const byName = new Map(OPTION_TABLE.map((o) => [o.name, o]));
    const expected: Array<[string, string, string]> = [
      ['-c', 'flag', 'action-compile'],
      ['-S', 'flag', 'action-assemble'],
      ['-E', 'flag', 'pass-through'],
      ['-o', 'joined-or-separate', 'output'],
      ['-x', 'joined-or-separate', 'language'],
      ['-I', 'joined-or-separate', 'preprocessor'],
      ['-D', 'joined-or-separate', 'preprocessor'],
      ['-include', 'joined-or-separate', 'preprocessor'],
      ['-MD', 'flag', 'dep-enable'],
      ['-MMD', 'flag', 'dep-enable'],
      ['-MF', 'joined-or-separate', 'dep-file'],
      ['-MT', 'joined-or-separate', 'dep-target'],
      ['-MQ', 'joined-or-separate', 'dep-target'],
      ['-Wl,', 'joined', 'linker'],
      ['-Xlinker', 'separate', 'linker'],
      ['-M', 'flag', 'pass-through'],
    ];
    for (const [name, form, role] of expected) {
      expect({ name, form: byName.get(name)?.form, role: byName.get(name)?.role }).toEqual({ name, form, role });
    }
  });
});

describe('lookupOption', () => {
  test.each([
    ['-c', '-c', 'exact', undefined],
    ['-o', '-o', 'exact', undefined],
    ['-ofoo.o', '-o', 'joined', 'foo.o'],
    ['-MFdeps/x.d', '-MF', 'joined', 'deps/x.d'],
    ['-MD', '-MD', 'exact', undefined],
    ['-Wl,-q,--as-needed', '-Wl,', 'joined', '-q,--as-needed'],
    ['-isystem/usr/x', '-isystem', 'joined', '/usr/x'],
    ['-include', '-include', 'exact', undefined],
    ['-g', '-g', 'exact', undefined],
    ['-gdwarf-4', '-g', 'joined', 'dwarf-4'],
    ['-gsplit-dwarf', '-gsplit-dwarf', 'exact', undefined],
    ['-flto=auto', '-flto=', 'joined', 'auto'],
    ['-save-temps=obj', '-save-temps=', 'joined', 'obj'],
    ['-print-file-name=libc.so', '-print-', 'joined', 'file-name=libc.so'],
  ])('%s → %s (%s)', (arg, name, kind, value) => {
    const match = lookupOption(arg);
    expect(match?.spec.name).toBe(name);
    expect(match?.kind).toBe(kind);
    expect(match?.kind === 'joined' ? match.value : undefined).toBe(value);
  });

  test('unknown options are not in the table and default to a code-generation flag', () => {
    expect(lookupOption('-O2')).toBeUndefined();
    expect(lookupOption('-fno-lto')).toBeUndefined();
    expect(lookupOption('-Wall')).toBeUndefined();
    expect(UNKNOWN_OPTION).toEqual({ name: '', form: 'flag', role: 'compile' });
  });

  test('a separate-only option never takes a glued argument', () => {
    expect(lookupOption('-Xlinkerfoo')).toBeUndefined();
    expect(lookupOption('-zrelro')).toBeUndefined();
  });
});
