// CRC-16/ARC (poly 0x8005 reflected = 0xA001, init 0, no final xor), the DC-09 frame CRC
// (docs/dc09.md §Frame layout; check value of "123456789" is 0xBB3D). The tables are generated from the
// polynomial once: the DC-07 published table has a typo (entry 101), so it is never copied.

// Slicing by four (Intel's slicing-by-N applied to a 16-bit register): table k gives the CRC of a
// byte followed by k zero bytes, so four bytes cost four lookups and no dependent shifts between
// them. A frame's CRC runs for every frame sent: this halves its time against the byte-wise table.
const SLICES = 4;
const TABLES: Uint16Array = (() => {
  const tables = new Uint16Array(256 * SLICES);
  for (let n = 0; n < 256; n++) {
    let crc = n;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
    tables[n] = crc;
  }
  for (let slice = 1; slice < SLICES; slice++) {
    for (let n = 0; n < 256; n++) {
      const previous = tables[(slice - 1) * 256 + n] as number;
      tables[slice * 256 + n] = (previous >>> 8) ^ (tables[previous & 0xff] as number);
    }
  }
  return tables;
})();

/** CRC-16/ARC of `bytes[start..end)`. */
export function crc16Arc(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0;
  let i = start;
  for (const lastBlock = end - 3; i < lastBlock; i += 4) {
    // The register is 16 bits: the first two bytes meet it, the last two meet zeros.
    crc ^= (bytes[i] as number) | ((bytes[i + 1] as number) << 8);
    crc =
      (TABLES[768 + (crc & 0xff)] as number) ^
      (TABLES[512 + (crc >>> 8)] as number) ^
      (TABLES[256 + (bytes[i + 2] as number)] as number) ^
      (TABLES[bytes[i + 3] as number] as number);
  }
  for (; i < end; i++) crc = (crc >>> 8) ^ (TABLES[(crc ^ (bytes[i] as number)) & 0xff] as number);
  return crc;
}
