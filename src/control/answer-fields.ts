// Reading the receiver's SecurityCP answers the way events are read (docs/panel-control.md §4):
// the same firmware writes them, and the guide's own examples are broken JSON (missing and
// trailing commas, `"id": ,`, comments). One tolerant parse, then field readers that accept the
// types devices send for a value (a number as a string, a boolean as "true") and nothing looser.

import { BYTE, isJsonWhitespace } from '../bytes.js';
import { isPlainObject, parseTolerantJson } from '../vendor-json/tolerant-json.js';

export type JsonObject = Record<string, unknown>;

export interface HikDocument {
  readonly value: JsonObject;
  /** The text was repaired before it parsed. */
  readonly repaired: boolean;
}

const { QUOTE, BACKSLASH, COLON, LF } = BYTE;

/**
 * The guide's message templates leave values out: `"id": ,`, `"address":` and then the next key.
 * Outside strings, a colon followed by `,`, `}`, `]` or another key gets a `null`. Runs only on a
 * body the event repairs could not read.
 */
export function fillMissingValues(text: string): string {
  const parts: string[] = [];
  let copyFrom = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      for (i++; i < text.length && text.charCodeAt(i) !== QUOTE && text.charCodeAt(i) !== LF; i++) if (text.charCodeAt(i) === BACKSLASH) i++;
      continue;
    }
    if (code !== COLON) continue;
    let next = i + 1;
    while (next < text.length && isJsonWhitespace(text.charCodeAt(next))) next++;
    const following = text[next];
    let missing = following === ',' || following === '}' || following === ']';
    if (following === '"') {
      // A quoted token followed by a colon is the next key, not this key's value.
      let end = next + 1;
      for (; end < text.length && text.charCodeAt(end) !== QUOTE && text.charCodeAt(end) !== LF; end++) if (text.charCodeAt(end) === BACKSLASH) end++;
      let after = end + 1;
      while (after < text.length && isJsonWhitespace(text.charCodeAt(after))) after++;
      missing = text.charCodeAt(after) === COLON;
      if (missing) {
        parts.push(text.slice(copyFrom, i + 1), ' null,');
        copyFrom = i + 1;
        continue;
      }
    }
    if (missing) {
      parts.push(text.slice(copyFrom, i + 1), ' null');
      copyFrom = i + 1;
    }
  }
  if (parts.length === 0) return text;
  parts.push(text.slice(copyFrom));
  return parts.join('');
}

/** The JSON object in an answer body, repaired when it must be; undefined when there is none. */
export function readHikDocument(text: string): HikDocument | undefined {
  if (text.trim() === '') return undefined;
  const parsed = parseTolerantJson(text);
  if (parsed.ok) return { value: parsed.value, repaired: parsed.repair !== 'none' };
  const filled = fillMissingValues(text);
  if (filled === text) return undefined;
  const again = parseTolerantJson(filled);
  return again.ok ? { value: again.value, repaired: true } : undefined;
}

export function objectAt(value: unknown, key: string): JsonObject | undefined {
  if (!isPlainObject(value)) return undefined;
  const child = value[key];
  return isPlainObject(child) ? child : undefined;
}

export function arrayAt(value: unknown, key: string): unknown[] {
  if (!isPlainObject(value)) return [];
  const child = value[key];
  return Array.isArray(child) ? child : [];
}

/** Each entry of a list like `[{"Zone":{...}}]`, unwrapped; bare objects are taken as they are. */
export function listEntries(list: readonly unknown[], wrapper: string): JsonObject[] {
  const entries: JsonObject[] = [];
  for (const item of list) {
    const inner = objectAt(item, wrapper);
    if (inner !== undefined) entries.push(inner);
    else if (isPlainObject(item) && !(wrapper in item)) entries.push(item);
  }
  return entries;
}

/** An integer, from a number or a decimal or 0x-hex string. */
export function integerField(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (/^-?\d{1,15}$/.test(text)) return Number(text);
  if (/^0x[0-9a-f]{1,13}$/i.test(text)) return Number.parseInt(text.slice(2), 16);
  return null;
}

export function textField(value: unknown): string | null {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return null;
  const text = value.trim();
  return text === '' ? null : text;
}

export function booleanField(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value !== 'string') return null;
  const text = value.trim().toLowerCase();
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  return null;
}

export function integerList(value: unknown): number[] {
  if (!Array.isArray(value)) return [];
  return value.map(integerField).filter((entry): entry is number => entry !== null);
}
