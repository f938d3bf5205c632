import { describe, expect, it } from 'vitest';
import { ApiError, describeLocation, toApiError } from './errors';

describe('toApiError', () => {
  it('uses a string detail as the message', () => {
    const error = toApiError(409, { detail: 'Email already registered' });
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(409);
    expect(error.message).toBe('Email already registered');
    expect(error.fieldErrors).toEqual([]);
  });

  it('turns validation errors into field errors and a readable message', () => {
    const error = toApiError(422, {
      detail: [
        { loc: ['body', 'email'], msg: 'not a valid email address', type: 'value_error' },
        { loc: ['body', 'items', 0, 'quantity'], msg: 'must be at least 1', type: 'value_error' },
      ],
    });
    expect(error.fieldMessage('email')).toBe('not a valid email address');
    expect(error.fieldMessage('quantity')).toBe('must be at least 1');
    expect(error.message).toBe('email: not a valid email address\nitems, Row 0, quantity: must be at least 1');
  });

  it('reads per-row CSV errors in either shape', () => {
    const fromLoc = toApiError(422, { detail: [{ loc: ['rows', 3, 'qty'], msg: 'not a number' }] });
    expect(fromLoc.message).toBe('Row 3, qty: not a number');
    const fromRow = toApiError(422, { detail: { errors: [{ row: 2, error: 'bad sku' }] } });
    expect(fromRow.fieldErrors).toEqual([{ loc: ['row', 2], msg: 'bad sku' }]);
    expect(fromRow.message).toBe('Row 2: bad sku');
  });

  it('falls back to a message per status when the body says nothing useful', () => {
    expect(toApiError(503, null).message).toMatch(/unavailable/);
    expect(toApiError(500, '<html>').message).toBe('Request failed (500).');
    expect(toApiError(429, { detail: [] }).message).toMatch(/Too many/);
  });
});

describe('describeLocation', () => {
  it('drops the body prefix', () => {
    expect(describeLocation(['body', 'password'])).toBe('password');
    expect(describeLocation([])).toBe('');
    expect(describeLocation(['file', 'row', 3, 'sku'])).toBe('Row 3, sku');
  });
});
