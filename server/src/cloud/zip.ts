// A minimal ZIP writer (PKWARE APPNOTE: local headers, central directory, end record; stored or deflated entries,
// UTF-8 names, no ZIP64) for the Superset dashboard bundle, so the extension needs no archive dependency.
import { deflateRawSync } from 'node:zlib';

export interface ZipEntry {
  /** Path inside the archive with forward slashes, e.g. "export/metadata.yaml". */
  name: string;
  data: Uint8Array | string;
  /** Modification time written to the entry (DOS precision: 2 seconds); defaults to 1980-01-01 for reproducible archives. */
  modified?: Date;
}

export type ZipCompression = 'store' | 'deflate';

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as ZIP uses it) of the bytes. */
export function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = (CRC_TABLE[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function dosDateTime(date: Date): { time: number; date: number } {
  const year = Math.min(Math.max(date.getFullYear(), 1980), 2107);
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | Math.floor(date.getSeconds() / 2),
    date: ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}

/** Superset refuses entries whose compression ratio exceeds 200 (a zip-bomb guard); stay well below it. */
const MAX_DEFLATE_RATIO = 100;
const UTF8_NAMES = 0x0800;
const VERSION_NEEDED = 20;
const MAX_UINT32 = 0xffffffff;

interface EntryFields {
  method: number;
  time: number;
  date: number;
  crc: number;
  compressedSize: number;
  size: number;
  nameLength: number;
}

/**
 * Writes the 24 bytes a local file header and its central directory entry share, in the same order in both (version
 * needed to extract through file name length), from `at`.
 */
function writeEntryFields(buf: Buffer, at: number, f: EntryFields): void {
  buf.writeUInt16LE(VERSION_NEEDED, at);
  buf.writeUInt16LE(UTF8_NAMES, at + 2);
  buf.writeUInt16LE(f.method, at + 4);
  buf.writeUInt16LE(f.time, at + 6);
  buf.writeUInt16LE(f.date, at + 8);
  buf.writeUInt32LE(f.crc, at + 10);
  buf.writeUInt32LE(f.compressedSize, at + 14);
  buf.writeUInt32LE(f.size, at + 18);
  buf.writeUInt16LE(f.nameLength, at + 22);
}

/**
 * Builds the archive. With 'deflate' (the default) an entry is deflated when that makes it smaller and keeps its
 * ratio under MAX_DEFLATE_RATIO; otherwise it is stored.
 */
export function createZip(entries: ZipEntry[], compression: ZipCompression = 'deflate'): Uint8Array {
  const encoder = new TextEncoder();
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  const names = new Set<string>();
  for (const entry of entries) {
    if (!entry.name || entry.name.startsWith('/') || entry.name.includes('\\') || entry.name.split('/').includes('..')) {
      throw new Error(`ZIP entry name "${entry.name}" must be a relative path with forward slashes and no ".."`);
    }
    if (names.has(entry.name)) throw new Error(`ZIP entry "${entry.name}" appears twice`);
    names.add(entry.name);
    const name = Buffer.from(encoder.encode(entry.name));
    const raw = typeof entry.data === 'string' ? encoder.encode(entry.data) : entry.data;
    const crc = crc32(raw);
    let method = 0;
    let stored: Uint8Array = raw;
    if (compression === 'deflate' && raw.length > 0) {
      const deflated = deflateRawSync(raw, { level: 9 });
      if (deflated.length < raw.length && raw.length / Math.max(deflated.length, 1) <= MAX_DEFLATE_RATIO) {
        method = 8;
        stored = deflated;
      }
    }
    if (raw.length > MAX_UINT32 || offset > MAX_UINT32) throw new Error('ZIP archives over 4 GB need ZIP64, which this writer does not produce');
    const { time, date } = dosDateTime(entry.modified ?? new Date(1980, 0, 1));

    const fields: EntryFields = { method, time, date, crc, compressedSize: stored.length, size: raw.length, nameLength: name.length };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    writeEntryFields(local, 4, fields);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, Buffer.from(stored));

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    // Made by: Unix (3) so the external attributes below read as permissions; spec version 2.0.
    central.writeUInt16LE((3 << 8) | VERSION_NEEDED, 4);
    writeEntryFields(central, 6, fields);
    central.writeUInt16LE(0, 30); // extra field length
    central.writeUInt16LE(0, 32); // comment length
    central.writeUInt16LE(0, 34); // disk number start
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // regular file, rw-r--r--
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);

    offset += local.length + name.length + stored.length;
  }
  const centralSize = centrals.reduce((sum, part) => sum + part.length, 0);
  if (entries.length > 0xffff) throw new Error('ZIP archives with more than 65535 entries need ZIP64');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(0, 20);
  return new Uint8Array(Buffer.concat([...locals, ...centrals, end]));
}
