// The two DC-09 data payloads of one alarm (DC-09 docs/dc09.md §Payloads): ADM-CID (SIA DC-05 Contact ID)
// `#ACCT|QEEE GG CCC` and SIA-DCS (SIA DC-03) `#ACCT|Nri<area>/<CC><nnn>`. Both are always computed
// so the ARC format is a transport setting, not a translation one.
// Partitions and report numbers are 0-99 and 0-999: their zero-padded text is looked up, not built
// for every alarm of a storm.
const PADDED = Array.from({ length: 1000 }, (_, value) => String(value).padStart(3, '0'));
function pad(value, width) {
    const padded = PADDED[value];
    if (padded === undefined)
        return String(value).padStart(width, '0');
    return width === 3 ? padded : value < 100 ? padded.slice(1) : padded;
}
export function admCidPayload(fields) {
    return `#${fields.account}|${fields.qualifier}${fields.code} ${pad(fields.partition, 2)} ${pad(fields.reportNumber, 3)}`;
}
// The Ajax form `Nri<area>/<code><number>`: every receiver we know parses it (DC-09 docs/dc09.md §Payloads).
export function siaDcsPayload(fields) {
    return `#${fields.account}|Nri${fields.partition}/${fields.sia}${pad(fields.reportNumber, 3)}`;
}
