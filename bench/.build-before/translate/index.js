// Public surface of the translate stage; other stages import from here.
export { Translator, receiverLinkAlarm } from './translator.js';
export { allTableRows, lookupCode } from './code-tables.js';
export { admCidPayload, siaDcsPayload } from './payload.js';
