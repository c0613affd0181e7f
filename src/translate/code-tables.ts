// Lookups over the generated Appendix D tables. Unknown keys return undefined; the translator turns
// that into an explicit, logged result rather than throwing.

import { CODE_FAMILIES, type CodeFamily, type CodeRow } from './code-row.js';
import { GENERATED_TABLES } from './generated/index.js';

export type { CodeFamily, CodeRow } from './code-row.js';
export { CODE_FAMILIES } from './code-row.js';

// eventTypes and status keys are matched case-insensitively (devices vary the spelling).
const INDEXES: ReadonlyMap<CodeFamily, ReadonlyMap<string, CodeRow>> = new Map(
  CODE_FAMILIES.map((family) => [family, new Map(GENERATED_TABLES[family].map((row) => [row.key.toLowerCase(), row]))]),
);

export function lookupCode(family: CodeFamily, key: string): CodeRow | undefined {
  return lookupLowerCode(family, key.toLowerCase());
}

/** lookupCode for a key the caller already lower-cased (once per event, not once per table). */
export function lookupLowerCode(family: CodeFamily, lowerKey: string): CodeRow | undefined {
  return INDEXES.get(family)?.get(lowerKey);
}

export interface TableRow {
  readonly family: CodeFamily;
  readonly key: string;
  readonly cid: string;
  readonly sia: string;
  readonly description: string;
}

/** Every row of every family, families in Appendix D order, rows sorted by key. */
export function allTableRows(): TableRow[] {
  return CODE_FAMILIES.flatMap((family) =>
    GENERATED_TABLES[family].map((row) => ({ family, key: row.key, cid: row.cid, sia: row.sia, description: row.description })),
  );
}
