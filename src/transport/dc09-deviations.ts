// Receivers seen in the field that bend DC-09 (docs/dc09.md §Deviations per destination): per
// destination, off by default, each one logged as a deviation at start. They change only what this
// destination's frames look like, or which answer it takes; the standard path stays the default.

import type { DestinationName } from './destination.js';
import type { MessageTemplate } from './event-message.js';

export const DC09_DEVIATIONS = {
  omitReceiverNumber: {
    summary: 'frames leave out the optional R field (receiver number)',
    doc: 'leave the optional R field (arc.receiverNumber) out of every frame to this destination: some receivers reject a frame that carries one. Off = the standard, R always sent.',
  },
  hikvisionNull: {
    summary: 'NULL link tests carry the body Hikvision panels send, [#0000|0000 00 000], instead of []',
    doc: 'send the NULL link test with the data Hikvision panels send, [#0000|0000 00 000], instead of the empty [] of the standard: for receivers that answer only that form.',
  },
  acceptClearAck: {
    summary: 'a clear ACK is accepted for an encrypted frame (anyone on the path can forge it)',
    doc: 'with arc.key set, take a clear (unencrypted) ACK to an encrypted frame as an acknowledgement, as some receivers answer. Anyone on the network path can forge such an ACK and make an alarm look delivered: check-config warns. Off = only an *ACK that decrypts with the key counts.',
  },
} as const;

export type Dc09Deviation = keyof typeof DC09_DEVIATIONS;
export const DC09_DEVIATION_NAMES = Object.keys(DC09_DEVIATIONS) as readonly Dc09Deviation[];

/** The deviations of one destination: every one false is the standard. */
export type DestinationDeviations = Readonly<Record<Dc09Deviation, boolean>>;

export const STANDARD: DestinationDeviations = { omitReceiverNumber: false, hikvisionNull: false, acceptClearAck: false };

/** `arc.deviations`: per destination. */
export type DeviationSettings = Readonly<Record<DestinationName, DestinationDeviations>>;

/** The NULL data Hikvision panels send (a Contact ID shaped all-zero event), recorded in the field. */
export const HIKVISION_NULL_DATA = '#0000|0000 00 000';

/** The deviations switched on, in declaration order. */
export function activeDeviations(deviations: DestinationDeviations): Dc09Deviation[] {
  return DC09_DEVIATION_NAMES.filter((name) => deviations[name]);
}

/**
 * The template as this destination sends it. Returns the template itself when nothing applies, so
 * the standard path builds no object per frame.
 */
export function deviateTemplate(template: MessageTemplate, deviations: DestinationDeviations): MessageTemplate {
  const dropR = deviations.omitReceiverNumber && template.receiver !== null;
  const hikNull = deviations.hikvisionNull && template.token === 'NULL' && template.data === '';
  if (!dropR && !hikNull) return template;
  return {
    token: template.token,
    sequence: template.sequence,
    receiver: dropR ? null : template.receiver,
    line: template.line,
    account: template.account,
    accountMark: template.accountMark,
    data: hikNull ? HIKVISION_NULL_DATA : template.data,
    extended: template.extended,
  };
}
