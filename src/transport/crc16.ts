// CRC-16/ARC (poly 0x8005 reflected = 0xA001, init 0, no final xor), the DC-09 frame CRC
// (reference §1.2; check value of "123456789" is 0xBB3D). The table is generated from the
// polynomial once: the DC-07 published table has a typo (entry 101), so it is never copied.

const TABLE: Uint16Array = (() => {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let crc = n;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
    table[n] = crc;
  }
  return table;
})();

/** CRC-16/ARC of `bytes[start..end)`. */
export function crc16Arc(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ (TABLE[(crc ^ (bytes[i] as number)) & 0xff] as number);
  return crc;
}

