import { describe, expect, it } from 'vitest';
import { validateCredentials } from './validation';

describe('validateCredentials', () => {
  it('requires a valid email and a password to sign in', () => {
    expect(validateCredentials({ email: '', password: '' }, false)).toEqual({
      email: 'Enter your email address.',
      password: 'Enter your password.',
    });
    expect(validateCredentials({ email: 'nope', password: 'x' }, false)).toEqual({
      email: 'Enter a valid email address.',
    });
    expect(validateCredentials({ email: 'a@b.co', password: 'x' }, false)).toEqual({});
  });

  it('asks more of a registration', () => {
    expect(validateCredentials({ name: ' ', email: 'a@b.co', password: 'short' }, true)).toEqual({
      name: 'Enter your name.',
      password: 'Use at least 8 characters.',
    });
  });
});
