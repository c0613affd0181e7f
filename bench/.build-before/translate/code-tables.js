// Lookups over the generated Appendix D tables. Unknown keys return undefined; the translator turns
// that into an explicit, logged result rather than throwing.
import { CODE_FAMILIES } from './code-row.js';
import { GENERATED_TABLES } from './generated/index.js';
export { CODE_FAMILIES } from './code-row.js';
// eventTypes and status keys are matched case-insensitively (devices vary the spelling).
const INDEXES = new Map(CODE_FAMILIES.map((family) => [family, new Map(GENERATED_TABLES[family].map((row) => [row.key.toLowerCase(), row]))]));
export function lookupCode(family, key) {
    return lookupLowerCode(family, key.toLowerCase());
}
/** lookupCode for a key the caller already lower-cased (once per event, not once per table). */
export function lookupLowerCode(family, lowerKey) {
    return INDEXES.get(family)?.get(lowerKey);
}
/** Every row of every family, families in Appendix D order, rows sorted by key. */
export function allTableRows() {
    return CODE_FAMILIES.flatMap((family) => GENERATED_TABLES[family].map((row) => ({ family, key: row.key, cid: row.cid, sia: row.sia, description: row.description })));
}
