// Whether bytes hold exactly one balanced JSON object: the test before a multipart body is released
// at the end of a stream, and (inside quickRepair's pass, on text) before a broken document is
// repaired. Both must give the same answer.

import { describe, expect, it } from 'vitest';
import { quickRepair } from '../../../src/vendor-json/tolerant-json.js';
import { isCompleteDocument } from '../../../src/vendor-json/json-scan.js';

const CASES: ReadonlyArray<readonly [string, boolean]> = [
  ['{"a":1}', true],
  ['  \r\n{"a":{"b":[1,2,{"c":3}]}}\n ', true],
  ['{"a":"}"}', true],
  ['{"a":"\\"}"}', true],
  ['{"zone":"门口，摄像机：1"}', true],
  // a missing closing quote ends at the line feed, as the guide's `"videoURL: "..."` needs
  ['{"videoURL: "...",\n"b":1}', true],
  ['{"a":1', false],
  ['{"a":"1}', false],
  ['{"a":1}{"b":2}', false],
  ['{"a":1} junk', false],
  ['[{"a":1}]', false],
  ['', false],
  ['   ', false],
  ['"text"', false],
];

describe('document completeness', () => {
  for (const [text, complete] of CASES) {
    it(`${JSON.stringify(text)} is ${complete ? 'complete' : 'not one complete object'}`, () => {
      expect(isCompleteDocument(Buffer.from(text, 'utf8'))).toBe(complete);
      expect(quickRepair(text) !== undefined).toBe(complete);
    });
  }
});
