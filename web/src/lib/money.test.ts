import { describe, expect, it } from 'vitest';
import { centsToDecimal, formatMoney, toCents } from './money';

describe('money', () => {
  it('parses decimal strings and numbers into cents without float error', () => {
    expect(toCents('19.90')).toBe(1990);
    expect(toCents('0.1')).toBe(10);
    expect(toCents('7')).toBe(700);
    expect(toCents(0.1 + 0.2)).toBe(30);
    expect(toCents('-2.50')).toBe(-250);
    expect(toCents(null)).toBe(0);
    expect(toCents('abc')).toBe(0);
  });

  it('formats cents as a two-place decimal', () => {
    expect(centsToDecimal(1990)).toBe('19.90');
    expect(centsToDecimal(5)).toBe('0.05');
    expect(centsToDecimal(-250)).toBe('-2.50');
  });

  it('formats money for display', () => {
    expect(formatMoney('1234.5')).toBe('$1,234.50');
  });
});
