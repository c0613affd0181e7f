// Writes test/fixtures/demo-verification.gif: the small animated picture the demo's stand-in
// receiver serves in place of a camera clip (a real clip needs a video encoder; a GIF opens in any
// browser). Deterministic: run `npx tsx scripts/generate-demo-clip.ts` to write it again.
// GIF89a with a 4-colour table and LZW as the format defines it (variable code size, clear at 4096).

import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const WIDTH = 192;
const HEIGHT = 108;
const FRAMES = 12;
const DELAY_CS = 20;
const PALETTE = [0x1d2733, 0xe8eef4, 0xd33a2c, 0x3c4a5a] as const;
const [BACKGROUND, TEXT, INTRUDER, FLOOR] = [0, 1, 2, 3] as const;

// 5×7 glyphs, one string of five bits per row.
const GLYPHS: Readonly<Record<string, readonly string[]>> = {
  A: ['01110', '10001', '10001', '11111', '10001', '10001', '10001'],
  C: ['01111', '10000', '10000', '10000', '10000', '10000', '01111'],
  D: ['11110', '10001', '10001', '10001', '10001', '10001', '11110'],
  E: ['11111', '10000', '10000', '11110', '10000', '10000', '11111'],
  H: ['10001', '10001', '10001', '11111', '10001', '10001', '10001'],
  I: ['11111', '00100', '00100', '00100', '00100', '00100', '11111'],
  K: ['10001', '10010', '10100', '11000', '10100', '10010', '10001'],
  M: ['10001', '11011', '10101', '10101', '10001', '10001', '10001'],
  N: ['10001', '11001', '10101', '10011', '10001', '10001', '10001'],
  O: ['01110', '10001', '10001', '10001', '10001', '10001', '01110'],
  R: ['11110', '10001', '10001', '11110', '10100', '10010', '10001'],
  Z: ['11111', '00001', '00010', '00100', '01000', '10000', '11111'],
  '1': ['00100', '01100', '00100', '00100', '00100', '00100', '01110'],
  '-': ['00000', '00000', '00000', '11111', '00000', '00000', '00000'],
  ' ': ['00000', '00000', '00000', '00000', '00000', '00000', '00000'],
};

function drawText(pixels: Uint8Array, text: string, x: number, y: number, scale: number): void {
  [...text].forEach((char, i) => {
    const glyph = GLYPHS[char] ?? GLYPHS[' '] ?? [];
    glyph.forEach((row, gy) => {
      [...row].forEach((bit, gx) => {
        if (bit !== '1') return;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) pixels[(y + gy * scale + dy) * WIDTH + x + (i * 6 + gx) * scale + dx] = TEXT;
        }
      });
    });
  });
}

function frame(index: number): Uint8Array {
  const pixels = new Uint8Array(WIDTH * HEIGHT).fill(BACKGROUND);
  for (let y = 84; y < HEIGHT; y++) pixels.fill(FLOOR, y * WIDTH, (y + 1) * WIDTH);
  drawText(pixels, 'HIK-ARC DEMO', 24, 10, 2);
  drawText(pixels, 'ZONE 1', 6, 92, 1);
  const cx = 20 + Math.round((index * (WIDTH - 40)) / (FRAMES - 1));
  for (let y = 50; y < 84; y++) {
    for (let x = cx - 8; x <= cx + 8; x++) {
      const body = Math.abs(x - cx) <= 5 && y >= 62;
      const head = (x - cx) ** 2 + (y - 55) ** 2 <= 25;
      if (body || head) pixels[y * WIDTH + x] = INTRUDER;
    }
  }
  return pixels;
}

/** LZW of one frame's colour indices (GIF89a appendix F), as data sub-blocks. */
function lzw(indices: Uint8Array, minCodeSize: number): Buffer {
  const clearCode = 1 << minCodeSize;
  const endCode = clearCode + 1;
  const bytes: number[] = [];
  let bitBuffer = 0;
  let bitCount = 0;
  let codeSize = minCodeSize + 1;
  const emit = (code: number): void => {
    bitBuffer |= code << bitCount;
    bitCount += codeSize;
    while (bitCount >= 8) {
      bytes.push(bitBuffer & 0xff);
      bitBuffer >>>= 8;
      bitCount -= 8;
    }
  };
  let table = new Map<number, number>();
  let nextCode = endCode + 1;
  emit(clearCode);
  let prefix = indices[0] ?? 0;
  for (let i = 1; i < indices.length; i++) {
    const k = indices[i] ?? 0;
    const key = (prefix << 8) | k;
    const known = table.get(key);
    if (known !== undefined) {
      prefix = known;
      continue;
    }
    emit(prefix);
    if (nextCode === 4096) {
      emit(clearCode);
      table = new Map();
      nextCode = endCode + 1;
      codeSize = minCodeSize + 1;
    } else {
      if (nextCode >= 1 << codeSize) codeSize++;
      table.set(key, nextCode++);
    }
    prefix = k;
  }
  emit(prefix);
  emit(endCode);
  if (bitCount > 0) bytes.push(bitBuffer & 0xff);
  const blocks: number[] = [minCodeSize];
  for (let at = 0; at < bytes.length; at += 255) {
    const block = bytes.slice(at, at + 255);
    blocks.push(block.length, ...block);
  }
  blocks.push(0);
  return Buffer.from(blocks);
}

function u16(value: number): number[] {
  return [value & 0xff, value >> 8];
}

export function demoClip(): Buffer {
  const parts: Buffer[] = [
    Buffer.from('GIF89a', 'ascii'),
    // logical screen: global table of 2^(1+1) = 4 colours
    Buffer.from([...u16(WIDTH), ...u16(HEIGHT), 0x91, 0, 0]),
    Buffer.from(PALETTE.flatMap((rgb) => [rgb >> 16, (rgb >> 8) & 0xff, rgb & 0xff])),
    // loop for ever
    Buffer.from([0x21, 0xff, 0x0b, ...Buffer.from('NETSCAPE2.0', 'ascii'), 0x03, 0x01, 0x00, 0x00, 0x00]),
  ];
  for (let i = 0; i < FRAMES; i++) {
    parts.push(Buffer.from([0x21, 0xf9, 0x04, 0x00, ...u16(DELAY_CS), 0x00, 0x00]));
    parts.push(Buffer.from([0x2c, 0, 0, 0, 0, ...u16(WIDTH), ...u16(HEIGHT), 0x00]));
    parts.push(lzw(frame(i), 2));
  }
  parts.push(Buffer.from([0x3b]));
  return Buffer.concat(parts);
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
writeFileSync(join(ROOT, 'test', 'fixtures', 'demo-verification.gif'), demoClip());
