// Draws the app icons as PNG with Node's built-in modules only (zlib): the same mark as pages/icons/icon.svg
// (a white "N" on a teal rounded square), 4×4 supersampled. Run `node tests/e2e/support/icons.mjs` to
// regenerate pages/icons/*.png; the unit tests check the committed files decode with the right sizes.
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const TEAL = [0x0f, 0x52, 0x57];
// The "N" of icon.svg in its 512-unit box.
const GLYPH = [[136, 380], [136, 132], [188, 132], [324, 304], [324, 132], [376, 132], [376, 380], [324, 380], [188, 208], [188, 380]];

function inPoly(x, y, pts) {
  let inside = false;
  for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
    const [xi, yi] = pts[i];
    const [xj, yj] = pts[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function inRounded(x, y, size, r) {
  if (r <= 0) return x >= 0 && y >= 0 && x <= size && y <= size;
  const cx = Math.min(Math.max(x, r), size - r);
  const cy = Math.min(Math.max(y, r), size - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

/** RGBA pixels of the icon. `maskable`: full-bleed background, glyph inside the 80% safe zone. */
export function draw(size, maskable = false) {
  const px = Buffer.alloc(size * size * 4);
  const S = 4;
  const glyphScale = maskable ? 0.7 : 1; // of the 512 box, centred
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let bg = 0;
      let fg = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const u = ((x + (sx + 0.5) / S) / size) * 512;
          const v = ((y + (sy + 0.5) / S) / size) * 512;
          if (!inRounded(u, v, 512, maskable ? 0 : 96)) continue;
          bg++;
          const gu = (u - 256) / glyphScale + 256;
          const gv = (v - 256) / glyphScale + 256;
          if (inPoly(gu, gv, GLYPH)) fg++;
        }
      }
      const n = S * S;
      const i = (y * size + x) * 4;
      const a = bg / n;
      const f = bg ? fg / bg : 0;
      px[i] = Math.round(TEAL[0] + (255 - TEAL[0]) * f);
      px[i + 1] = Math.round(TEAL[1] + (255 - TEAL[1]) * f);
      px[i + 2] = Math.round(TEAL[2] + (255 - TEAL[2]) * f);
      px[i + 3] = Math.round(a * 255);
    }
  }
  return px;
}

const CRC = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A PNG (8-bit RGBA, no filtering) of `size`×`size` pixels. */
export function png(size, pixels) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) pixels.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export const ICONS = [['icon-192.png', 192, false], ['icon-512.png', 512, false], ['maskable-512.png', 512, true]];

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'pages', 'icons');
  for (const [name, size, maskable] of ICONS) {
    const file = png(size, draw(size, maskable));
    writeFileSync(join(dir, name), file);
    console.log(`${name}: ${size}x${size}, ${file.length} bytes`);
  }
}
