import { createHash } from 'node:crypto';
import type { SourceInfo } from '@cxr/loader';

/**
 * On-disk layout of one cached sample:
 * `CXRCACHE` (8 bytes) | header length (uint32 LE) | header JSON (utf-8) | pixels.
 * The header holds the full key, the size, and the SHA-256 of the pixels, so a truncated,
 * corrupt or colliding entry is recognised and treated as a miss.
 */
const MAGIC = Buffer.from('CXRCACHE', 'ascii');
const FORMAT_VERSION = 1;

interface Header {
  readonly v: number;
  readonly key: string;
  readonly height: number;
  readonly width: number;
  readonly length: number;
  readonly sha256: string;
  readonly source?: SourceInfo;
}

/** The decoded part of a cached sample. */
export interface CachedPixels {
  readonly pixels: Uint8Array;
  readonly height: number;
  readonly width: number;
  /** The file's header information, when the decoder was asked for it. */
  readonly source?: SourceInfo | undefined;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** File name of the entry for `key` (a hash: keys hold paths). */
export function entryName(key: string): string {
  return `${createHash('sha256').update(key).digest('hex').slice(0, 40)}.bin`;
}

/** Serializes an entry. */
export function encodeEntry(key: string, value: CachedPixels): Buffer {
  const header: Header = {
    v: FORMAT_VERSION,
    key,
    height: value.height,
    width: value.width,
    length: value.pixels.length,
    sha256: sha256(value.pixels),
    ...(value.source === undefined ? {} : { source: value.source }),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const size = Buffer.alloc(4);
  size.writeUInt32LE(json.length, 0);
  return Buffer.concat([MAGIC, size, json, value.pixels]);
}

/** Parses an entry; `undefined` when it is not a complete, intact entry for `key`. */
export function decodeEntry(key: string, bytes: Uint8Array): CachedPixels | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < MAGIC.length + 4 || !buffer.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const headerLength = buffer.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  if (headerLength > buffer.length - start) return undefined;
  let header: Header;
  try {
    header = JSON.parse(buffer.subarray(start, start + headerLength).toString('utf8')) as Header;
  } catch {
    return undefined;
  }
  if (
    typeof header !== 'object' ||
    header === null ||
    header.v !== FORMAT_VERSION ||
    header.key !== key ||
    !Number.isInteger(header.height) ||
    !Number.isInteger(header.width) ||
    header.length !== header.height * header.width ||
    buffer.length - start - headerLength !== header.length
  ) {
    return undefined;
  }
  const pixels = buffer.subarray(start + headerLength); // a view: the file's buffer is ours alone
  if (sha256(pixels) !== header.sha256) return undefined;
  const source = typeof header.source === 'object' && header.source !== null ? header.source : undefined;
  return source === undefined ? { pixels, height: header.height, width: header.width } : { pixels, height: header.height, width: header.width, source };
}
