import { describe, expect, it } from 'vitest';
import { toCsv } from './csv';

describe('toCsv', () => {
  it('writes a header and rows with CRLF line ends', () => {
    expect(toCsv(['date', 'orders'], [['2026-11-25', 3], ['2026-11-26', 0]])).toBe(
      'date,orders\r\n2026-11-25,3\r\n2026-11-26,0\r\n',
    );
  });

  it('quotes commas, quotes and line breaks, and leaves empty cells empty', () => {
    expect(toCsv(['a', 'b', 'c'], [['x,y', 'say "hi"', 'two\nlines'], [null, undefined, '']])).toBe(
      'a,b,c\r\n"x,y","say ""hi""","two\nlines"\r\n,,\r\n',
    );
  });

  it('keeps spreadsheets from running text as a formula, but not negative numbers', () => {
    expect(toCsv(['v'], [['=SUM(A1)'], ['+1'], ['-x'], ['@me'], [-5]])).toBe(
      "v\r\n'=SUM(A1)\r\n'+1\r\n'-x\r\n'@me\r\n-5\r\n",
    );
  });
});
