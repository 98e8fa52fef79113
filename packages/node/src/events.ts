/**
 * Event-camera files: the address-event streams of N-MNIST and DVS128 Gesture, read into {@link Events} (one entry
 * per event: time, pixel, polarity), as SpikingJelly's `datasets.load_ATIS_bin` and `datasets.load_aedat_v3` read them.
 *
 * **N-MNIST** (Orchard, Jayawant, Cohen and Thakor, "Converting Static Image Datasets to Spiking Neuromorphic
 * Datasets Using Saccades", Frontiers in Neuroscience 9:437, 2015): one `.bin` file per sample, 5 bytes per event,
 * sensor 34×34:
 *
 *   byte 0: x    byte 1: y    byte 2 bit 7: polarity (1 ON, 0 OFF)    bits 22–0 of bytes 2–4 (big-endian): t in µs
 *
 * **DVS128 Gesture** (Amir et al., "A Low Power, Fully Event-Based Gesture Recognition System", CVPR 2017): AEDAT 3.1
 * files of iniVation's jAER/cAER (sensor 128×128): ASCII header lines starting with `#`, the last
 * `#!END-HEADER\r\n`, then packets, each a 28-byte little-endian header
 *
 *   int16 eventType, int16 eventSource, int32 eventSize, int32 eventTSOffset, int32 eventTSOverflow,
 *   int32 eventCapacity, int32 eventNumber, int32 eventValid
 *
 * and `eventCapacity · eventSize` bytes of events. Polarity packets (type 1, 8-byte events) hold per event a uint32
 * `data` and a uint32 `timestamp`: x = (data >> 17) & 0x7FFF, y = (data >> 2) & 0x7FFF, p = (data >> 1) & 1,
 * t = timestamp | eventTSOverflow << 31 (µs). Other packet types are skipped, as SpikingJelly skips them.
 *
 * A file that does not have this layout throws an {@link EventFileError} naming the file and the problem, and
 * nothing else. DVS128 Gesture's `*_labels.csv` files cut a recording into gestures: {@link readGestureLabels} and
 * {@link sliceEvents}.
 *
 * @category events
 */
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';

/** Events in time order: event i is at pixel (x[i], y[i]) with polarity p[i] (1 ON, 0 OFF) at time t[i] (µs). @category events */
export type Events = {
  /** Timestamps in microseconds (float64: AEDAT times go past 2^32 µs). */
  readonly t: Float64Array;
  /** Columns. */
  readonly x: Uint16Array;
  /** Rows. */
  readonly y: Uint16Array;
  /** Polarities, 0 (OFF) or 1 (ON). */
  readonly p: Uint8Array;
};

/** A file that is not a valid event file of the format asked for, with the file and the reason. @category events */
export class EventFileError extends Error {
  /** Always `'EventFileError'`. */
  override readonly name = 'EventFileError';
  constructor(
    /** The file (or the name given to the decoder). */
    readonly file: string,
    /** What is wrong, in words. */
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** A sensor's size in pixels. @category events */
export type SensorSize = {
  /** Rows H. */
  readonly height: number;
  /** Columns W. */
  readonly width: number;
};

/** N-MNIST's sensor: 34 × 34 pixels. @category events */
export const NMNIST_SIZE: SensorSize = { height: 34, width: 34 };
/** DVS128's sensor: 128 × 128 pixels. @category events */
export const DVS128_SIZE: SensorSize = { height: 128, width: 128 };

const readBytes = (path: string, wrap: (file: string, reason: string) => Error): Uint8Array => {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw wrap(path, code === 'ENOENT' ? 'no such file' : `cannot read it (${String((e as Error).message)})`);
  }
};

/**
 * Decodes N-MNIST's binary events (5 bytes per event; see the module header). A length that is not a multiple of 5
 * is a truncated file ({@link EventFileError}).
 *
 * @category events
 */
export function decodeNMnist(bytes: Uint8Array, file = 'N-MNIST data'): Events {
  if (bytes.length % 5 !== 0)
    throw new EventFileError(file, `truncated: ${bytes.length} bytes is not a whole number of 5-byte N-MNIST events`);
  const n = bytes.length / 5;
  const t = new Float64Array(n);
  const x = new Uint16Array(n);
  const y = new Uint16Array(n);
  const p = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const b = 5 * i;
    const b2 = bytes[b + 2] as number;
    x[i] = bytes[b] as number;
    y[i] = bytes[b + 1] as number;
    p[i] = b2 >> 7;
    t[i] = (b2 & 0x7f) * 65536 + (bytes[b + 3] as number) * 256 + (bytes[b + 4] as number);
  }
  return { t, x, y, p };
}

/** Reads an N-MNIST `.bin` file ({@link decodeNMnist}). @category events */
export function readNMnist(path: string): Events {
  return decodeNMnist(
    readBytes(path, (f, r) => new EventFileError(f, r)),
    path,
  );
}

const END_HEADER = '#!END-HEADER\r\n';

/**
 * Decodes an AEDAT 3.1 file's polarity events (see the module header): the `#` header, then whole packets. A missing
 * end of header, a packet cut short, a polarity packet whose events are not 8 bytes, or an event outside a
 * 32768 × 32768 sensor is an {@link EventFileError}.
 *
 * @category events
 */
export function decodeAedat31(bytes: Uint8Array, file = 'AEDAT data'): Events {
  // the header: lines that start with '#', up to and including '#!END-HEADER\r\n'
  let at = 0;
  if (bytes.length === 0 || bytes[0] !== 0x23)
    throw new EventFileError(file, 'not an AEDAT file: it does not start with a "#" header line (#!AER-DAT3.1)');
  for (;;) {
    const nl = bytes.indexOf(0x0a, at);
    if (nl < 0) throw new EventFileError(file, `truncated header: no "${END_HEADER.trim()}" line`);
    const line = Buffer.from(bytes.buffer, bytes.byteOffset + at, nl + 1 - at).toString('latin1');
    at = nl + 1;
    if (line === END_HEADER) break;
    if (!line.startsWith('#'))
      throw new EventFileError(file, `not an AEDAT 3.1 file: header line ${JSON.stringify(line.slice(0, 40))} does not start with "#"`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ts: number[] = [];
  const xs: number[] = [];
  const ys: number[] = [];
  const ps: number[] = [];
  let packet = 0;
  while (at < bytes.length) {
    if (bytes.length - at < 28)
      throw new EventFileError(file, `truncated: packet ${packet} at byte ${at} has ${bytes.length - at} of its 28 header bytes`);
    const type = view.getInt16(at, true);
    const size = view.getUint32(at + 4, true);
    const overflow = view.getUint32(at + 12, true);
    const capacity = view.getUint32(at + 16, true);
    const length = size * capacity;
    at += 28;
    if (length > bytes.length - at)
      throw new EventFileError(
        file,
        `truncated: packet ${packet} holds ${capacity} events of ${size} bytes, ${bytes.length - at} bytes are left`,
      );
    if (type === 1) {
      if (size !== 8) throw new EventFileError(file, `packet ${packet}: polarity events are 8 bytes, this one says ${size}`);
      for (let k = 0; k < capacity; k++) {
        const data = view.getUint32(at + 8 * k, true);
        const stamp = view.getUint32(at + 8 * k + 4, true);
        xs.push((data >>> 17) & 0x7fff);
        ys.push((data >>> 2) & 0x7fff);
        ps.push((data >>> 1) & 1);
        ts.push(stamp + overflow * 2 ** 31); // timestamp | overflow << 31, exact in float64
      }
    }
    at += length;
    packet++;
  }
  return { t: Float64Array.from(ts), x: Uint16Array.from(xs), y: Uint16Array.from(ys), p: Uint8Array.from(ps) };
}

/** Reads an AEDAT 3.1 file ({@link decodeAedat31}), e.g. a DVS128 Gesture recording `user01_fluorescent.aedat`. @category events */
export function readAedat31(path: string): Events {
  return decodeAedat31(
    readBytes(path, (f, r) => new EventFileError(f, r)),
    path,
  );
}

/** One labelled time window of a recording. @category events */
export type GestureLabel = {
  /** The class as the file numbers it (DVS128 Gesture: 1–11). */
  readonly label: number;
  /** Start time in µs (included). */
  readonly start: number;
  /** End time in µs (excluded). */
  readonly end: number;
};

/**
 * Parses a DVS128 Gesture `*_labels.csv` (`class,startTime_usec,endTime_usec`, a header line, one gesture a line).
 * A line that is not three non-negative integers with start < end is an {@link EventFileError} naming the line.
 *
 * @category events
 */
export function parseGestureLabels(text: string, file = 'labels'): GestureLabel[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0 || !/^\s*class\s*,/i.test(lines[0] as string))
    throw new EventFileError(file, 'not a DVS128 Gesture labels file: the first line is not "class,startTime_usec,endTime_usec"');
  return lines.slice(1).map((l, i) => {
    const f = l.split(',').map((s) => s.trim());
    const [label, start, end] = f.map(Number) as [number, number, number];
    if (f.length !== 3 || f.some((s) => !/^\d+$/.test(s)) || !(start < end))
      throw new EventFileError(file, `line ${i + 2} ${JSON.stringify(l)}: expected three integers class,start,end with start < end`);
    return { label, start, end };
  });
}

/** Reads a DVS128 Gesture labels file ({@link parseGestureLabels}). @category events */
export function readGestureLabels(path: string): GestureLabel[] {
  const bytes = readBytes(path, (f, r) => new EventFileError(f, r));
  return parseGestureLabels(new TextDecoder().decode(bytes), path);
}

/**
 * The events with `start ≤ t < end`, times kept as they are (SpikingJelly's DVS128 Gesture split). `events.t` must be
 * non-decreasing (recordings are): the window is found by binary search.
 *
 * @category events
 */
export function sliceEvents(events: Events, start: number, end: number): Events {
  const lower = (v: number): number => {
    let lo = 0;
    let hi = events.t.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((events.t[mid] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const a = lower(start);
  const b = Math.max(a, lower(end));
  return { t: events.t.slice(a, b), x: events.x.slice(a, b), y: events.y.slice(a, b), p: events.p.slice(a, b) };
}
