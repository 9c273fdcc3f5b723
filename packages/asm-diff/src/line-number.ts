/**
 * `__LINE__` tolerance: when only line numbers move, a function that passes its line to an
 * assertion routine differs in one `mov $LINE, %reg`. Such a difference is accepted (as
 * LibcarePlus does) when, within the next 15 statements, all equal, the register is not
 * touched and a known routine that takes the line in that register is called.
 */

const DX = /%(rdx|edx|dx|dl|dh)\b/;
const CX = /%(rcx|ecx|cx|cl|ch)\b/;

/** Callee → the register family that carries its line argument. */
const LINE_ARGUMENT: ReadonlyMap<string, RegExp> = new Map([
  ['__assert_fail', DX],
  ['g_assertion_message_expr', DX],
  ['error_setg_internal', DX],
  ['error_setg_errno_internal', DX],
  ['object_dynamic_cast_assert', CX],
  ['object_class_dynamic_cast_assert', CX],
]);

const LINE_MOVE = /^X\|mov[lw]? \$(\d+),\s*(%\w+)$/;
const CALL = /^X\|(?:call|jmp) ([\w.]+)(?:@PLT)?$/;
const WINDOW = 15;

function isLineArgument(a: readonly string[], b: readonly string[], i: number): boolean {
  const ma = LINE_MOVE.exec(a[i]);
  const mb = LINE_MOVE.exec(b[i]);
  if (!ma || !mb || ma[2] !== mb[2]) return false;
  const family = [DX, CX].find((f) => f.test(ma[2]));
  if (!family) return false;
  for (let j = i + 1; j < Math.min(a.length, i + 1 + WINDOW); j++) {
    if (a[j] !== b[j]) return false;
    const call = CALL.exec(a[j]);
    if (call) return LINE_ARGUMENT.get(call[1]) === family;
    // The register must reach the call untouched, or the immediate is used for something else.
    if (family.test(a[j])) return false;
  }
  return false;
}

/** Equal canonical forms, allowing line-number arguments of known assertion routines to differ. */
export function sameCodeModuloLines(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i] && !isLineArgument(a, b, i)) return false;
  }
  return true;
}
