// Test vectors V1-V13 of the project's DC-09 reference (§9), written as the frame text with the LF
// and CR spelled out, plus the fields each one is built from. Pads are fixed only so the vectors are
// reproducible; real frames get a fresh random pad.

import type { Dc09Message } from '../../src/transport/dc09-frame.js';

export interface Dc09Vector {
  readonly name: string;
  /** Frame bytes between LF and CR, as latin1 text. */
  readonly text: string;
  readonly message: Dc09Message;
  readonly key?: { readonly text: string; readonly format: 'hex' | 'ascii' };
  readonly pad?: string;
  /** The decrypted region of an encrypted vector. */
  readonly plaintext?: string;
}

export function frameBytes(text: string): Buffer {
  return Buffer.concat([Buffer.from([0x0a]), Buffer.from(text, 'latin1'), Buffer.from([0x0d])]);
}

/** `_HH:MM:SS,MM-DD-YYYY` fields as epoch ms (month before day, UTC). */
export function utc(year: number, month: number, day: number, hours: number, minutes: number, seconds: number): number {
  return Date.UTC(year, month - 1, day, hours, minutes, seconds);
}

const AES128 = { text: '000102030405060708090A0B0C0D0E0F', format: 'hex' } as const;
const AES256 = { text: '603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4', format: 'hex' } as const;

function message(fields: Partial<Dc09Message> & Pick<Dc09Message, 'token' | 'sequence'>): Dc09Message {
  return { receiver: null, line: '0', account: '1234', accountMark: '#', data: '', extended: [], timestamp: null, ...fields };
}

export const DC09_VECTORS: readonly Dc09Vector[] = [
  {
    name: 'V1 ADM-CID burglary, no timestamp',
    text: 'BEB90027"ADM-CID"0001L0#1234[#1234|1130 01 015]',
    message: message({ token: 'ADM-CID', sequence: 1, data: '#1234|1130 01 015' }),
  },
  {
    name: 'V2 ADM-CID closing by user 003, R1 L1, timestamp',
    text: '2925003D"ADM-CID"0002R1L1#1234[#1234|3401 01 003]_13:45:10,06-01-2025',
    message: message({ token: 'ADM-CID', sequence: 2, receiver: '1', line: '1', data: '#1234|3401 01 003', timestamp: utc(2025, 6, 1, 13, 45, 10) }),
  },
  {
    name: 'V3 SIA-DCS burglary area 1 zone 015',
    text: '0607003A"SIA-DCS"0003L0#1234[#1234|Nri1/BA015]_13:45:12,06-01-2025',
    message: message({ token: 'SIA-DCS', sequence: 3, data: '#1234|Nri1/BA015', timestamp: utc(2025, 6, 1, 13, 45, 12) }),
  },
  {
    name: 'V4 SIA-DCS opening with MAC block',
    text: '325A0049"SIA-DCS"0004L0#1234[#1234|Nri1/OP501][M001122AABBCC]_13:46:00,06-01-2025',
    message: message({
      token: 'SIA-DCS',
      sequence: 4,
      data: '#1234|Nri1/OP501',
      extended: [{ id: 'M', value: '001122AABBCC' }],
      timestamp: utc(2025, 6, 1, 13, 46, 0),
    }),
  },
  {
    name: 'V5 NULL link test',
    text: 'E3130027"NULL"0000L0#1234[]_13:50:00,06-01-2025',
    message: message({ token: 'NULL', sequence: 0, timestamp: utc(2025, 6, 1, 13, 50, 0) }),
  },
  {
    name: 'V6 ACK answering V3',
    text: 'D1600012"ACK"0003L0#1234[]',
    message: message({ token: 'ACK', sequence: 3 }),
  },
  {
    name: 'V7 NAK with receiver time',
    text: 'AA860025"NAK"0000R0L0A0[]_13:45:40,06-01-2025',
    message: message({ token: 'NAK', sequence: 0, receiver: '0', account: '0', accountMark: 'A', timestamp: utc(2025, 6, 1, 13, 45, 40) }),
  },
  {
    name: 'V8 DUH answering V3',
    text: 'EFBE0012"DUH"0003L0#1234[]',
    message: message({ token: 'DUH', sequence: 3 }),
  },
  {
    name: 'V9 *SIA-DCS AES-128',
    text: '7B950076"*SIA-DCS"0006L0#1234[E02392A9D8A6A2D424C364C14DF2AEBB56C244EBDAE52C1422AE8099257BE02E8C999B3E1B8AEDA66E3675C589F73C25',
    message: message({ token: 'SIA-DCS', sequence: 6, data: '#1234|Nri1/BA015', timestamp: utc(2025, 6, 1, 13, 45, 12) }),
    key: AES128,
    pad: 'ABCDEFGHIJ',
    plaintext: 'ABCDEFGHIJ|#1234|Nri1/BA015]_13:45:12,06-01-2025',
  },
  {
    name: 'V10 *ACK answering V9',
    text: '5C680052"*ACK"0006L0#1234[430E87EE925847EC8F75230EBA6BCD55356050D8CDA6FEBDA5B88979E69D4314',
    message: message({ token: 'ACK', sequence: 6, timestamp: utc(2025, 6, 1, 13, 45, 13) }),
    key: AES128,
    pad: 'abcdefghij',
    plaintext: 'abcdefghij|]_13:45:13,06-01-2025',
  },
  {
    name: 'V11 *NULL with an ASCII key (pysiaalarm style)',
    text: '38540052"*NULL"0000L0#AAA[CC0E04B54700CB1213AFBA1D4108B735D3D3DEC255341DDA24F81D41CF936B53',
    message: message({ token: 'NULL', sequence: 0, account: 'AAA', timestamp: utc(2025, 6, 1, 14, 0, 0) }),
    key: { text: 'AAAAAAAAAAAAAAAA', format: 'ascii' },
    pad: '0123456789',
    plaintext: '0123456789|]_14:00:00,06-01-2025',
  },
  {
    name: 'V12 *ADM-CID AES-256, R2 L3',
    text: '1B8A0078"*ADM-CID"0007R2L3#12AB[55D2E6E7960C797941FBC433A4E74B1BDE67CFFEA54E04DE536CE2B3C4E2420B0DF1BC4D7449E1B5E379F31F38D3417D',
    message: message({
      token: 'ADM-CID',
      sequence: 7,
      receiver: '2',
      line: '3',
      account: '12AB',
      data: '#12AB|1602 00 000',
      timestamp: utc(2025, 12, 31, 23, 59, 59),
    }),
    key: AES256,
    pad: 'QRSTUVWXY',
    plaintext: 'QRSTUVWXY|#12AB|1602 00 000]_23:59:59,12-31-2025',
  },
  {
    name: 'V13 full 16-byte pad',
    text: 'F5790076"*SIA-DCS"0008L0#1234[CC69A70A3E5C2B64F9D268228ED006D81343E1B86F258F3E4214C8481C96CF15AD2CA4214651ED8FEFA59EF6AAB1A45C',
    message: message({ token: 'SIA-DCS', sequence: 8, data: '#1234|NRP0', timestamp: utc(2026, 1, 1, 0, 0, 5) }),
    key: AES128,
    pad: '!"$%&()*+,-./:;<',
    plaintext: '!"$%&()*+,-./:;<|#1234|NRP0]_00:00:05,01-01-2026',
  },
];
