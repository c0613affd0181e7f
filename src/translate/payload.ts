// The two DC-09 data payloads of one alarm (DC-09 reference §2): ADM-CID (SIA DC-05 Contact ID)
// `#ACCT|QEEE GG CCC` and SIA-DCS (SIA DC-03) `#ACCT|Nri<area>/<CC><nnn>`. Both are always computed
// so the ARC format is a transport setting, not a translation one.

export type Qualifier = 1 | 3;

export interface PayloadFields {
  readonly account: string;
  /** 1 new event / opening, 3 restore / closing. */
  readonly qualifier: Qualifier;
  /** Contact ID event code, three digits (`130`). */
  readonly code: string;
  readonly sia: string;
  readonly partition: number;
  /** Zone, or the user for open/close codes: the last three digits. */
  readonly reportNumber: number;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

export function admCidPayload(fields: PayloadFields): string {
  return `#${fields.account}|${fields.qualifier}${fields.code} ${pad(fields.partition, 2)} ${pad(fields.reportNumber, 3)}`;
}

// The Ajax form `Nri<area>/<code><number>`: every receiver we know parses it (DC-09 reference §2.2).
export function siaDcsPayload(fields: PayloadFields): string {
  return `#${fields.account}|Nri${fields.partition}/${fields.sia}${pad(fields.reportNumber, 3)}`;
}
