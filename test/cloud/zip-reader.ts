// A minimal ZIP reader for the tests: walks the central directory from the end record, checks every local header
// against it, inflates and verifies the CRC. Independent of the writer's code paths except crc32.
import { inflateRawSync } from 'node:zlib';
import { crc32 } from '../../server/src/cloud/zip';

export interface ReadEntry {
  name: string;
  method: number;
  flags: number;
  data: Buffer;
  compressedSize: number;
  dosTime: number;
  dosDate: number;
}

export function readZip(bytes: Uint8Array): ReadEntry[] {
  const buf = Buffer.from(bytes);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0 || buf.length - eocd < 22) throw new Error('no end of central directory record');
  const total = buf.readUInt16LE(eocd + 10);
  if (buf.readUInt16LE(eocd + 8) !== total) throw new Error('entry counts of the end record disagree');
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (cdOffset + cdSize !== eocd) throw new Error(`central directory (${cdOffset}+${cdSize}) does not end at the end record (${eocd})`);
  const entries: ReadEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < total; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`bad central header signature at ${p}`);
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const dosTime = buf.readUInt16LE(p + 12);
    const dosDate = buf.readUInt16LE(p + 14);
    const crc = buf.readUInt32LE(p + 16);
    const csize = buf.readUInt32LE(p + 20);
    const usize = buf.readUInt32LE(p + 24);
    const nlen = buf.readUInt16LE(p + 28);
    const elen = buf.readUInt16LE(p + 30);
    const clen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nlen).toString('utf8');
    p += 46 + nlen + elen + clen;

    if (buf.readUInt32LE(local) !== 0x04034b50) throw new Error(`bad local header signature for ${name}`);
    const localName = buf.subarray(local + 30, local + 30 + buf.readUInt16LE(local + 26)).toString('utf8');
    if (localName !== name) throw new Error(`local header name ${localName} differs from ${name}`);
    for (const [offset, expected, what] of [
      [8, method, 'method'],
      [14, crc, 'crc'],
      [18, csize, 'compressed size'],
      [22, usize, 'size'],
    ] as const) {
      const actual = offset === 8 ? buf.readUInt16LE(local + offset) : buf.readUInt32LE(local + offset);
      if (actual !== expected) throw new Error(`local ${what} of ${name} is ${actual}, central says ${expected}`);
    }
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + csize);
    const data = method === 8 ? inflateRawSync(raw) : method === 0 ? Buffer.from(raw) : undefined;
    if (!data) throw new Error(`unsupported method ${method} for ${name}`);
    if (data.length !== usize) throw new Error(`${name} inflates to ${data.length} bytes, expected ${usize}`);
    if (crc32(data) !== crc) throw new Error(`CRC mismatch for ${name}`);
    entries.push({ name, method, flags, data, compressedSize: csize, dosTime, dosDate });
  }
  return entries;
}
