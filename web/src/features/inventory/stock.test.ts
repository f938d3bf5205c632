import { describe, expect, it } from 'vitest';
import { SKU_PATTERN, stockLevel } from './stock';

describe('stock levels', () => {
  it('colours by the low-stock threshold', () => {
    expect(stockLevel(0, 20)).toBe('out');
    expect(stockLevel(1, 20)).toBe('low');
    expect(stockLevel(19, 20)).toBe('low');
    expect(stockLevel(20, 20)).toBe('ok');
  });

  it('accepts the SKUs the API accepts', () => {
    expect(SKU_PATTERN.test('ABC-123_x.y')).toBe(true);
    expect(SKU_PATTERN.test('')).toBe(false);
    expect(SKU_PATTERN.test('has space')).toBe(false);
    expect(SKU_PATTERN.test('x'.repeat(65))).toBe(false);
  });
});
