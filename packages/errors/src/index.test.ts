import { TscareError, formatError, isTscareError } from './index.js';

describe('TscareError', () => {
  it('keeps its code, message and hint', () => {
    const e = new TscareError('KPATCH_BAD_MAGIC', 'foo.kpatch: bad magic', { hint: 'rebuild it' });
    expect(isTscareError(e)).toBe(true);
    expect(e.code).toBe('KPATCH_BAD_MAGIC');
    expect(formatError('tscare-ctl', e)).toBe(
      'tscare-ctl: error KPATCH_BAD_MAGIC: foo.kpatch: bad magic\ntscare-ctl: hint: rebuild it',
    );
  });

  it('labels foreign errors as internal', () => {
    expect(formatError('x', new Error('boom'))).toMatch(/^x: internal error: Error: boom/);
    expect(isTscareError(new Error('boom'))).toBe(false);
  });
});
