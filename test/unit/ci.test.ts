import { describe, expect, it, vi } from 'vitest';
import { inCi, requireInCi } from '../helpers/ci.js';

describe('inCi', () => {
  it.each([['true'], ['1'], ['yes'], ['TRUE'], ['woodpecker']])('is CI with CI=%j', (value) => {
    expect(inCi({ CI: value })).toBe(true);
  });

  it.each([[undefined], [''], ['0'], ['false'], ['False'], [' ']])('is not CI with CI=%j', (value) => {
    expect(inCi(value === undefined ? {} : { CI: value })).toBe(false);
  });
});

describe('requireInCi', () => {
  const what = 'Chromium at /usr/bin/chromium';
  const tests = 'the playground browser tests';

  it('lets the tests run when what they need is there, in CI or not, and says nothing', () => {
    const warn = vi.fn();
    expect(requireInCi(true, what, tests, { env: { CI: 'true' }, warn })).toBe(true);
    expect(requireInCi(true, what, tests, { env: {}, warn })).toBe(true);
    expect(warn).not.toHaveBeenCalled();
  });

  it('fails in CI when it is missing, naming what and which tests', () => {
    const warn = vi.fn();
    expect(() => requireInCi(false, what, tests, { env: { CI: 'true' }, warn })).toThrow(
      new Error('CI is set but Chromium at /usr/bin/chromium is missing: the playground browser tests cannot run'),
    );
    expect(warn).not.toHaveBeenCalled();
  });

  it('skips elsewhere, with one warning that stands out', () => {
    const warn = vi.fn();
    expect(requireInCi(false, what, tests, { env: { CI: 'false' }, warn })).toBe(false);
    expect(warn.mock.calls).toEqual([['\n*** the playground browser tests SKIPPED: Chromium at /usr/bin/chromium is missing ***\n']]);
  });
});
