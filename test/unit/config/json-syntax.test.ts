import { describe, expect, it } from 'vitest';
import { findJsonSyntaxError, lineAndColumn } from '../../../src/config/json-syntax.js';

describe('findJsonSyntaxError', () => {
  it('accepts what JSON.parse accepts', () => {
    for (const text of ['{}', '[]', '0', '-1.5e+3', '"a\\u00e9\\n"', ' {"a": [1, true, false, null, {"b": "c"}]} \n', readableExample()]) {
      expect(JSON.parse(text)).toBeDefined();
      expect(findJsonSyntaxError(text)).toBeUndefined();
    }
  });

  it.each([
    ['', 1, 1, 'a value'],
    ['{"a": 1,}', 1, 9, 'a property name'],
    ['{"a": 1 "b": 2}', 1, 9, "',' or '}'"],
    ['{\n  "a": [1, 2\n}', 3, 1, "',' or ']'"],
    ['{"a": tru}', 1, 7, 'a value'],
    ['{"a": 01}', 1, 8, "',' or '}'"],
    ['{"a": "x\ny"}', 1, 9, 'no control character'],
    ['{"a": "\\x"}', 1, 9, 'an escape'],
    ['{"a": 1} {}', 1, 10, 'the end of the file'],
    ['{"a": "open', 1, 12, 'closing double quote'],
  ])('%j: line %i, column %i, expected %s', (text, line, column, expected) => {
    expect(() => JSON.parse(text)).toThrow();
    const error = findJsonSyntaxError(text);
    expect(error).toMatchObject({ line, column });
    expect(error?.expected).toContain(expected);
  });

  it('refuses nesting a config file never has, without overflowing the stack', () => {
    expect(findJsonSyntaxError('['.repeat(100_000))?.expected).toMatch(/levels of nesting/);
  });

  it('lineAndColumn counts from 1', () => {
    expect(lineAndColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineAndColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});

function readableExample(): string {
  return JSON.stringify({ receiver: { url: 'http://10.0.0.5', heartbeatTimeoutSec: 30 }, accounts: { x: '1234' } }, null, 2);
}
