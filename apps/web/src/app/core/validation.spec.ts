import { collect, required, validateCountry, validateDecimal, validateEmail, validatePassword, validateReason, validateStockDelta } from './validation';

describe('validation (mirrors the API)', () => {
  it('checks password length 10..=128 in characters', () => {
    expect(validatePassword('123456789')).toMatch(/at least 10/);
    expect(validatePassword('1234567890')).toBeNull();
    expect(validatePassword('x'.repeat(128))).toBeNull();
    expect(validatePassword('x'.repeat(129))).toMatch(/at most 128/);
    expect(validatePassword('é'.repeat(10))).toBeNull();
  });
  it('checks e-mail addresses', () => {
    expect(validateEmail('')).toMatch(/Enter/);
    expect(validateEmail('no-at-sign')).toMatch(/valid/);
    expect(validateEmail(' a@b.co ')).toBeNull();
  });
  it('checks required text, decimals and countries', () => {
    expect(required('  ', 'Name')).toBe('Name is required.');
    expect(required('x'.repeat(201), 'Name')).toMatch(/at most 200/);
    expect(validateDecimal('12.50', 'Price')).toBeNull();
    expect(validateDecimal('-1', 'Price')).toMatch(/number/);
    expect(validateDecimal('1e3', 'Price')).toMatch(/number/);
    expect(validateCountry('US')).toBeNull();
    expect(validateCountry('USA')).toMatch(/two-letter/);
  });
  it('collects only the failures', () => {
    expect(collect({ a: null, b: 'bad' })).toEqual({ b: 'bad' });
  });
  it('checks a stock adjustment: a non-zero whole delta and a reason of 1..=200 characters', () => {
    expect(validateStockDelta(5)).toBeNull();
    expect(validateStockDelta(-2)).toBeNull();
    expect(validateStockDelta('+3')).toBeNull();
    expect(validateStockDelta(0)).toMatch(/cannot be 0/);
    expect(validateStockDelta(1.5)).toMatch(/whole number/);
    expect(validateStockDelta(null)).toMatch(/whole number/);
    expect(validateStockDelta('')).toMatch(/whole number/);
    expect(validateReason('  ')).toMatch(/reason/);
    expect(validateReason('é'.repeat(200))).toBeNull();
    expect(validateReason('x'.repeat(201))).toMatch(/200/);
  });
});
