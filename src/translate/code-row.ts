// Shape of one row of the vendor code tables (Hik IP Receiver Pro API guide, Appendix D).

export const CODE_FAMILIES = ['security-control', 'encoding-device', 'radar', 'access-control', 'device-status'] as const;
export type CodeFamily = (typeof CODE_FAMILIES)[number];

export type CidCode = `${'E' | 'R'}${number}`;

export interface CodeRow {
  /** Hik code (`1103`) for security-control, otherwise the eventType or status key as the guide spells it. */
  readonly key: string;
  /** Contact ID qualifier letter and event code, e.g. `E130`. */
  readonly cid: CidCode;
  /** SIA DC-03 two-letter event code. */
  readonly sia: string;
  readonly description: string;
}
