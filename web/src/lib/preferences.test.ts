import { describe, expect, it } from 'vitest';
import { resolvePreferences } from './preferences';

describe('resolvePreferences', () => {
  it('fills in defaults and ignores unknown values', () => {
    expect(resolvePreferences(null)).toEqual({ theme: 'system', pageSize: 20 });
    expect(resolvePreferences({ theme: 'dark', page_size: 50 })).toEqual({ theme: 'dark', pageSize: 50 });
    expect(resolvePreferences({ theme: 'neon' as 'dark', page_size: 7 })).toEqual({
      theme: 'system',
      pageSize: 20,
    });
  });
});
