import { describe, expect, it } from 'vitest';
import { formatSort, nextSort, parseSort } from './listSort';

const columns = ['name', 'email'] as const;

describe('list sort in the URL', () => {
  it('reads a column and a direction, and ignores what the list cannot sort by', () => {
    expect(parseSort('name', columns)).toEqual({ column: 'name', descending: false });
    expect(parseSort('-email', columns)).toEqual({ column: 'email', descending: true });
    expect(parseSort(null, columns)).toBeNull();
    expect(parseSort('', columns)).toBeNull();
    expect(parseSort('password', columns)).toBeNull();
    expect(parseSort('--name', columns)).toBeNull();
  });

  it('writes what it reads', () => {
    for (const value of ['name', '-email']) expect(formatSort(parseSort(value, columns))).toBe(value);
    expect(formatSort(null)).toBeUndefined();
  });

  it('cycles a column through ascending, descending and the default order', () => {
    const ascending = nextSort(null, 'name');
    expect(ascending).toEqual({ column: 'name', descending: false });
    const descending = nextSort(ascending, 'name');
    expect(descending).toEqual({ column: 'name', descending: true });
    expect(nextSort(descending, 'name')).toBeNull();
    expect(nextSort(descending, 'email')).toEqual({ column: 'email', descending: false });
  });
});
