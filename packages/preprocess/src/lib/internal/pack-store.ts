import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  read,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { ImageRecord, SourceInfo } from '@cxr/loader';
import { UsageError } from '@cxr/loader/browser';

/**
 * The disk format of the sample cache: a few large, immutable pack files instead of one file per
 * image (hundreds of thousands of small files are slow on network file systems and object stores).
 *
 * ```
 * DIR/CACHEDIR.TAG                  marks the folder as a cache for backup tools
 * DIR/samples-v1/<id>.pack          entries back to back: u32 LE header length | header JSON | pixels
 * DIR/samples-v1/<id>.idx           JSON index of a sealed pack: one row per entry
 * DIR/samples-v1/tmp-<host>-<pid>-<id>.pack   a pack still being written (never read by others)
 * ```
 *
 * An entry is content-addressed: its key is the SHA-256 of the source file's bytes with the decode
 * settings (`contentKey`). Each row also carries the key of the file's path, size and modification
 * time with the settings (`stampKey`), so a run that finds the file unchanged never reads it; a file
 * whose stamp changed (touched, copied, or on another machine) is hashed and still hits when its
 * bytes are the same, and a row then records the new stamp (an alias: no pixels written twice).
 *
 * Writers never share a file: each process appends to its own temporary pack and seals it (fsync,
 * rename to `<id>.pack`, then write `<id>.idx` under a temporary name and rename it): a pack is
 * visible only once whole, so concurrent runs and concurrent builders on several machines sharing
 * the folder never read a half-written entry. Every entry also carries the SHA-256 of its pixels
 * and its keys, checked on read: a damaged entry is a miss, never a crash.
 */
export const FORMAT_DIR = 'samples-v1';
const FORMAT_VERSION = 1;
/** A pack is sealed once it holds this many bytes (and at flush/close/exit). */
export const DEFAULT_PACK_BYTES = 256 * 2 ** 20;

/** The decoded part of a cached sample. */
export interface CachedPixels {
  readonly pixels: Uint8Array;
  readonly height: number;
  readonly width: number;
  /** The file's header information, when the decoder was asked for it. */
  readonly source?: SourceInfo | undefined;
}

/** A file's size and modification time: a changed file is a miss. */
export interface FileStamp {
  readonly size: number;
  readonly mtimeMs: number;
}

interface Pack {
  readonly id: string;
  readonly file: string;
  fd: number | undefined;
}

/** Where an entry's bytes are. */
export interface EntryRef {
  readonly pack: Pack;
  readonly offset: number;
  readonly length: number;
  /** The key the entry's header must carry. */
  readonly contentKey: string;
}

/** Index row: stampKey, contentKey, settings index, pack id ('' = this pack), offset, length. */
type Row = [string, string, number, string, number, number];

interface IndexFile {
  readonly v: number;
  readonly pack: string;
  readonly bytes: number;
  readonly settings: readonly string[];
  readonly rows: readonly Row[];
}

interface EntryHeader {
  readonly v: number;
  readonly stampKey: string;
  readonly contentKey: string;
  readonly settingsKey: string;
  readonly path: string;
  readonly height: number;
  readonly width: number;
  readonly sha256: string;
  readonly source?: SourceInfo;
}

/** The result of a lookup: a hit's place, or what a miss needs to be stored. */
export interface Lookup {
  readonly ref: EntryRef | undefined;
  /** Undefined when the file cannot be read (the decoder will report it). */
  readonly stamp: FileStamp | undefined;
  readonly stampKey: string;
  /** Set when the file's bytes were hashed (the stamp was not in the cache). */
  readonly contentKey: string | undefined;
}

/** What {@link PackStore.info} reports. */
export interface SampleCacheInfo {
  /** The cache folder (absolute). */
  readonly dir: string;
  /** Sealed packs. */
  readonly packs: number;
  /** Distinct entries (decoded images) in sealed packs. */
  readonly entries: number;
  /** Bytes of sealed packs and their indexes. */
  readonly bytes: number;
  /** Entries per decode-settings key. */
  readonly bySettings: Readonly<Record<string, number>>;
  /** Packs still being written by a live process, or left by one that died. */
  readonly unfinished: { readonly files: number; readonly bytes: number; readonly live: number };
}

const sha = (text: string | Uint8Array): string => createHash('sha256').update(text).digest('hex');
const HOST = sha(hostname()).slice(0, 8);

/** The key of a file's path, size and modification time under some decode settings. */
export function stampKeyOf(filePath: string, stamp: FileStamp, settingsKey: string): string {
  return sha(JSON.stringify(['stamp', filePath, stamp.size, stamp.mtimeMs, settingsKey])).slice(0, 40);
}

/** The key of a file's bytes under some decode settings. */
export function contentKeyOf(fileBytes: Uint8Array, settingsKey: string): string {
  return sha(JSON.stringify(['content', sha(fileBytes), settingsKey])).slice(0, 40);
}

function stampOf(file: string): FileStamp | undefined {
  try {
    const s = statSync(file);
    return { size: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function newId(): string {
  return `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
}

/** An open pack being written by this process. */
interface Writer {
  readonly pack: Pack;
  readonly temp: string;
  readonly fd: number;
  bytes: number;
  readonly rows: Row[];
  readonly settings: string[];
}

const openStores = new Set<PackStore>();
let exitHooked = false;

/** Seals every open pack when the process exits (sealing is synchronous for that reason). */
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const store of openStores) {
      try {
        store.flush();
      } catch {
        // nothing to do at exit: the unsealed pack only costs future misses
      }
    }
  });
}

/** Reads and writes one cache folder (see the module comment for the format). */
export class PackStore {
  readonly dir: string;
  private readonly packDir: string;
  private readonly packBytes: number;
  private readonly byStamp = new Map<string, EntryRef>();
  private readonly byContent = new Map<string, EntryRef>();
  private readonly packs = new Map<string, Pack>();
  private readonly loaded = new Set<string>();
  private writer: Writer | undefined;
  private ready = false;
  private lastRefresh = 0;
  private lastFolderTime: number | undefined;

  constructor(dir: string, packBytes = DEFAULT_PACK_BYTES) {
    this.dir = path.resolve(dir);
    this.packDir = path.join(this.dir, FORMAT_DIR);
    this.packBytes = packBytes;
  }

  /** Creates the folder when missing; a usage error naming it when that fails. */
  ensureDir(): void {
    if (this.ready) return;
    try {
      mkdirSync(this.packDir, { recursive: true });
      const tag = path.join(this.dir, 'CACHEDIR.TAG');
      if (stampOf(tag) === undefined) {
        writeFileSync(tag, 'Signature: 8a477f597d28d172789f06886806bc55\n# This folder is a cache of decoded images made by cxr; `cxr cache clear` frees it.\n');
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new UsageError(`The cache folder ${this.dir} cannot be created (${code}); choose another folder with --cache DIR, or turn the disk cache off with --no-cache.`);
    }
    this.ready = true;
    openStores.add(this);
    hookExit();
    this.refresh(true);
  }

  /**
   * Loads the indexes of packs sealed since the last call (by this or another process). Without
   * `force`, the folder is listed again only when its modification time moved (a pack sealed since:
   * its index was renamed in) or a second has passed (file systems whose times are coarse or cached).
   */
  refresh(force = false): void {
    const now = Date.now();
    const folderTime = stampOf(this.packDir)?.mtimeMs;
    if (!force && folderTime === this.lastFolderTime && now - this.lastRefresh < 1000) return;
    this.lastRefresh = now;
    this.lastFolderTime = folderTime;
    let names: string[];
    try {
      names = readdirSync(this.packDir);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      // tmp-*.idx: an index still being written under its temporary name (it is renamed whole).
      if (!name.endsWith('.idx') || name.startsWith('tmp-') || this.loaded.has(name)) continue;
      this.loaded.add(name);
      this.loadIndex(path.join(this.packDir, name));
    }
  }

  private packOf(id: string): Pack {
    let pack = this.packs.get(id);
    if (pack === undefined) {
      pack = { id, file: path.join(this.packDir, `${id}.pack`), fd: undefined };
      this.packs.set(id, pack);
    }
    return pack;
  }

  private loadIndex(file: string): void {
    let index: IndexFile;
    try {
      index = JSON.parse(readFileSync(file, 'utf8')) as IndexFile;
    } catch {
      return; // unreadable index: its entries are misses
    }
    if (index === null || typeof index !== 'object' || index.v !== FORMAT_VERSION || !Array.isArray(index.rows) || typeof index.pack !== 'string') return;
    const own = this.packOf(index.pack);
    if (stampOf(own.file)?.size !== index.bytes) return; // pack missing or cut short
    for (const row of index.rows) {
      if (!Array.isArray(row) || row.length !== 6) continue;
      const [stampKey, contentKey, , packId, offset, length] = row;
      const pack = packId === '' ? own : this.packOf(packId);
      if (pack !== own && stampOf(pack.file) === undefined) continue;
      const ref: EntryRef = { pack, offset, length, contentKey };
      this.byStamp.set(stampKey, ref);
      if (!this.byContent.has(contentKey)) this.byContent.set(contentKey, ref);
    }
  }

  /**
   * Finds a record's entry: by its stamp (no file read), else by its bytes (the file is read and
   * hashed; a hit records the new stamp). A miss returns what {@link put} needs.
   */
  lookup(record: ImageRecord, settingsKey: string): Lookup {
    this.ensureDir();
    const stamp = stampOf(record.path);
    if (stamp === undefined) return { ref: undefined, stamp, stampKey: '', contentKey: undefined };
    const stampKey = stampKeyOf(record.path, stamp, settingsKey);
    let ref = this.byStamp.get(stampKey);
    if (ref !== undefined) return { ref, stamp, stampKey, contentKey: undefined };
    let bytes: Buffer;
    try {
      bytes = readFileSync(record.path);
    } catch {
      return { ref: undefined, stamp: undefined, stampKey, contentKey: undefined };
    }
    const contentKey = contentKeyOf(bytes, settingsKey);
    ref = this.byContent.get(contentKey);
    if (ref === undefined) {
      this.refresh();
      ref = this.byContent.get(contentKey);
    }
    if (ref !== undefined) {
      this.byStamp.set(stampKey, ref);
      this.addRow([stampKey, contentKey, this.settingsIndex(settingsKey), ref.pack === this.writer?.pack ? '' : ref.pack.id, ref.offset, ref.length]);
    }
    return { ref, stamp, stampKey, contentKey };
  }

  /** Forgets a damaged entry so that the record is decoded and stored again. */
  forget(stampKey: string, ref: EntryRef): void {
    if (this.byStamp.get(stampKey) === ref) this.byStamp.delete(stampKey);
    if (this.byContent.get(ref.contentKey) === ref) this.byContent.delete(ref.contentKey);
  }

  private fdOf(pack: Pack): number {
    pack.fd ??= openSync(pack.file, 'r');
    return pack.fd;
  }

  /** Reads and checks an entry; undefined when it is damaged or does not belong to the key. */
  async read(ref: EntryRef): Promise<CachedPixels | undefined> {
    let fd: number;
    try {
      fd = this.fdOf(ref.pack);
    } catch {
      return undefined;
    }
    const buffer = Buffer.allocUnsafe(ref.length);
    const got = await new Promise<number>((resolve) => {
      read(fd, buffer, 0, ref.length, ref.offset, (error, bytesRead) => resolve(error ? -1 : bytesRead));
    });
    return got === ref.length ? parseEntry(buffer, ref.contentKey) : undefined;
  }

  /** The same as {@link read}, blocking (for small reads served by the page cache). */
  readSync(ref: EntryRef): CachedPixels | undefined {
    try {
      const buffer = Buffer.allocUnsafe(ref.length);
      const got = readSync(this.fdOf(ref.pack), buffer, 0, ref.length, ref.offset);
      return got === ref.length ? parseEntry(buffer, ref.contentKey) : undefined;
    } catch {
      return undefined;
    }
  }

  private settingsIndex(settingsKey: string): number {
    const writer = this.openWriter();
    let i = writer.settings.indexOf(settingsKey);
    if (i < 0) i = writer.settings.push(settingsKey) - 1;
    return i;
  }

  private openWriter(): Writer {
    if (this.writer !== undefined) return this.writer;
    this.ensureDir();
    const id = newId();
    const temp = path.join(this.packDir, `tmp-${HOST}-${process.pid}-${id}.pack`);
    const fd = openSync(temp, 'w+');
    const pack: Pack = { id, file: temp, fd };
    this.packs.set(id, pack);
    this.writer = { pack, temp, fd, bytes: 0, rows: [], settings: [] };
    return this.writer;
  }

  private addRow(row: Row): void {
    this.openWriter().rows.push(row);
  }

  /**
   * Appends a decoded sample for a record (found missing by {@link lookup}); seals the pack when it
   * is full. A failed write (disk full) is dropped: it only costs a future miss.
   */
  put(record: ImageRecord, miss: Lookup, settingsKey: string, value: CachedPixels): void {
    if (miss.stamp === undefined) return;
    let contentKey = miss.contentKey;
    if (contentKey === undefined) {
      try {
        contentKey = contentKeyOf(readFileSync(record.path), settingsKey);
      } catch {
        return;
      }
    }
    try {
      const writer = this.openWriter();
      const header: EntryHeader = {
        v: FORMAT_VERSION,
        stampKey: miss.stampKey,
        contentKey,
        settingsKey,
        path: record.path,
        height: value.height,
        width: value.width,
        sha256: sha(value.pixels),
        ...(value.source === undefined ? {} : { source: value.source }),
      };
      const json = Buffer.from(JSON.stringify(header), 'utf8');
      const head = Buffer.alloc(4);
      head.writeUInt32LE(json.length, 0);
      const entry = Buffer.concat([head, json, value.pixels]);
      const offset = writer.bytes;
      let written = 0;
      while (written < entry.length) written += writeSync(writer.fd, entry, written, entry.length - written, offset + written);
      writer.bytes += entry.length;
      const ref: EntryRef = { pack: writer.pack, offset, length: entry.length, contentKey };
      writer.rows.push([miss.stampKey, contentKey, this.settingsIndex(settingsKey), '', offset, entry.length]);
      this.byStamp.set(miss.stampKey, ref);
      if (!this.byContent.has(contentKey)) this.byContent.set(contentKey, ref);
      if (writer.bytes >= this.packBytes) this.flush();
    } catch {
      this.abandon();
    }
  }

  /** Seals the pack being written, if any, so that other processes see its entries. */
  flush(): void {
    const writer = this.writer;
    if (writer === undefined) return;
    this.writer = undefined;
    if (writer.rows.length === 0) {
      closeSync(writer.fd);
      writer.pack.fd = undefined;
      this.packs.delete(writer.pack.id);
      try {
        unlinkSync(writer.temp);
      } catch {
        // already gone
      }
      return;
    }
    const final = path.join(this.packDir, `${writer.pack.id}.pack`);
    const indexName = `${writer.pack.id}.idx`;
    try {
      fsyncSync(writer.fd);
      renameSync(writer.temp, final);
      (writer.pack as { file: string }).file = final; // the fd stays valid across the rename
      const index: IndexFile = { v: FORMAT_VERSION, pack: writer.pack.id, bytes: writer.bytes, settings: writer.settings, rows: writer.rows };
      const tempIndex = path.join(this.packDir, `tmp-${HOST}-${process.pid}-${writer.pack.id}.idx`);
      const fd = openSync(tempIndex, 'w');
      try {
        writeSync(fd, JSON.stringify(index));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tempIndex, path.join(this.packDir, indexName));
      this.loaded.add(indexName);
    } catch {
      // The folder was cleared or the disk is full: these entries stay readable here and are misses for others.
    }
  }

  /** Drops the pack being written after a failed write. */
  private abandon(): void {
    const writer = this.writer;
    if (writer === undefined) return;
    this.writer = undefined;
    for (const row of writer.rows) if (row[3] === '') this.byStamp.delete(row[0]);
    for (const [key, ref] of this.byContent) if (ref.pack === writer.pack) this.byContent.delete(key);
    try {
      unlinkSync(writer.temp);
    } catch {
      // already gone
    }
  }

  /** Seals the open pack and closes every file. */
  close(): void {
    this.flush();
    for (const pack of this.packs.values()) {
      if (pack.fd !== undefined) {
        try {
          closeSync(pack.fd);
        } catch {
          // already closed
        }
        pack.fd = undefined;
      }
    }
    openStores.delete(this);
  }

  /** What the folder holds. */
  info(): SampleCacheInfo {
    let names: string[] = [];
    try {
      names = readdirSync(this.packDir);
    } catch {
      // no cache yet
    }
    let packs = 0;
    let bytes = 0;
    const contents = new Set<string>();
    const bySettings: Record<string, number> = {};
    const unfinished = { files: 0, bytes: 0, live: 0 };
    for (const name of names) {
      const file = path.join(this.packDir, name);
      const size = stampOf(file)?.size ?? 0;
      if (name.startsWith('tmp-')) {
        unfinished.files += 1;
        unfinished.bytes += size;
        if (this.liveTemp(name)) unfinished.live += 1;
        continue;
      }
      if (name.endsWith('.pack')) {
        bytes += size;
        continue;
      }
      if (!name.endsWith('.idx')) continue;
      bytes += size;
      try {
        const index = JSON.parse(readFileSync(file, 'utf8')) as IndexFile;
        packs += 1;
        for (const [, contentKey, settings] of index.rows) {
          if (contents.has(contentKey)) continue;
          contents.add(contentKey);
          const key = index.settings[settings] ?? '?';
          bySettings[key] = (bySettings[key] ?? 0) + 1;
        }
      } catch {
        // an unreadable index counts as bytes only
      }
    }
    return { dir: this.dir, packs, entries: contents.size, bytes, bySettings, unfinished };
  }

  private liveTemp(name: string): boolean {
    const match = /^tmp-([0-9a-f]{8})-(\d+)-/.exec(name);
    if (match === null) return false;
    if (match[1] !== HOST) return true; // another machine's writer: assume it is live
    const pid = Number(match[2]);
    return pid === process.pid ? [...openStores].some((store) => store.writer?.temp.endsWith(name) === true) : alive(pid);
  }

  /** Deletes the sealed packs and the unfinished packs of processes that are gone; returns what was freed and what a live writer keeps. */
  clear(): { files: number; bytes: number; kept: number } {
    this.flush();
    let names: string[] = [];
    try {
      names = readdirSync(this.packDir);
    } catch {
      return { files: 0, bytes: 0, kept: 0 };
    }
    let files = 0;
    let bytes = 0;
    let kept = 0;
    // Indexes first: a reader never sees an index whose pack is gone.
    const ordered = [...names.filter((n) => n.endsWith('.idx')), ...names.filter((n) => !n.endsWith('.idx'))];
    for (const name of ordered) {
      if (name.startsWith('tmp-') && this.liveTemp(name)) {
        kept += 1;
        continue;
      }
      const file = path.join(this.packDir, name);
      const size = stampOf(file)?.size ?? 0;
      try {
        unlinkSync(file);
        files += 1;
        bytes += size;
      } catch {
        // gone already
      }
    }
    this.byStamp.clear();
    this.byContent.clear();
    this.loaded.clear();
    return { files, bytes, kept };
  }
}

function parseEntry(buffer: Buffer, contentKey: string): CachedPixels | undefined {
  if (buffer.length < 4) return undefined;
  const headerLength = buffer.readUInt32LE(0);
  if (headerLength > buffer.length - 4) return undefined;
  let header: EntryHeader;
  try {
    header = JSON.parse(buffer.subarray(4, 4 + headerLength).toString('utf8')) as EntryHeader;
  } catch {
    return undefined;
  }
  if (
    typeof header !== 'object' ||
    header === null ||
    header.v !== FORMAT_VERSION ||
    header.contentKey !== contentKey ||
    !Number.isInteger(header.height) ||
    !Number.isInteger(header.width) ||
    buffer.length - 4 - headerLength !== header.height * header.width
  ) {
    return undefined;
  }
  const pixels = buffer.subarray(4 + headerLength);
  if (sha(pixels) !== header.sha256) return undefined;
  const source = typeof header.source === 'object' && header.source !== null ? header.source : undefined;
  return source === undefined ? { pixels, height: header.height, width: header.width } : { pixels, height: header.height, width: header.width, source };
}

const stores = new Map<string, PackStore>();

/** The one store of a folder in this process (so that every stage appends to one pack). */
export function storeFor(dir: string, packBytes?: number): PackStore {
  const key = path.resolve(dir);
  let store = stores.get(key);
  if (store === undefined) {
    store = new PackStore(key, packBytes);
    stores.set(key, store);
  }
  return store;
}

/** Closes a folder's store and drops it from this process (specs use it to act as a new process). */
export function forgetStore(dir: string): void {
  const key = path.resolve(dir);
  stores.get(key)?.close();
  stores.delete(key);
}
