// Public surface of the translate stage; other stages import from here.

export { Translator, hikLinkAlarm, type AlarmMessage, type DocumentOutcome, type SkipReason, type Translation, type TranslatorOptions } from './translator.js';
export { allTableRows, lookupCode, type CodeFamily, type CodeRow, type TableRow } from './code-tables.js';
export { admCidPayload, siaDcsPayload, type PayloadFields, type Qualifier } from './payload.js';
export type { EventFamily, TranslateSettings } from './event-mapping.js';
