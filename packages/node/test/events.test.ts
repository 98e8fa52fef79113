import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as tf from '@spikefn/core/tf';
import { SpikefnArgumentError } from '@spikefn/core';
import { eventFrames, frameSegments, integrateEvents, integrateEventsByDuration } from '../src/event-frames.js';
import {
  decodeAedat31,
  decodeNMnist,
  EventFileError,
  type Events,
  parseGestureLabels,
  readAedat31,
  readGestureLabels,
  readNMnist,
  sliceEvents,
} from '../src/events.js';

const dir = mkdtempSync(join(tmpdir(), 'events-'));

type Ev = { t: number; x: number; y: number; p: number };
const toEvents = (es: readonly Ev[]): Events => ({
  t: Float64Array.from(es, (e) => e.t),
  x: Uint16Array.from(es, (e) => e.x),
  y: Uint16Array.from(es, (e) => e.y),
  p: Uint8Array.from(es, (e) => e.p),
});

/** N-MNIST's layout, written from its description (Orchard et al. 2015): x, y, p·128 | t >> 16, t >> 8, t. */
const encodeNMnist = (es: readonly Ev[]): Uint8Array =>
  Uint8Array.from(es.flatMap((e) => [e.x, e.y, (e.p << 7) | ((e.t >> 16) & 0x7f), (e.t >> 8) & 0xff, e.t & 0xff]));

/** AEDAT 3.1 from its description: a header, then packets (28-byte header + 8-byte polarity events, valid bit set). */
function encodeAedat(packets: readonly { type?: number; size?: number; overflow?: number; events: readonly Ev[] }[]): Uint8Array {
  const header = new TextEncoder().encode('#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: DVS128\r\n#!END-HEADER\r\n');
  const parts: Uint8Array[] = [header];
  for (const pk of packets) {
    const size = pk.size ?? 8;
    const h = new DataView(new ArrayBuffer(28));
    h.setInt16(0, pk.type ?? 1, true);
    h.setInt16(2, 1, true);
    h.setUint32(4, size, true);
    h.setUint32(8, 4, true);
    h.setUint32(12, pk.overflow ?? 0, true);
    h.setUint32(16, pk.events.length, true);
    h.setUint32(20, pk.events.length, true);
    h.setUint32(24, pk.events.length, true);
    const body = new DataView(new ArrayBuffer(size * pk.events.length));
    pk.events.forEach((e, k) => {
      body.setUint32(k * size, ((e.x << 17) | (e.y << 2) | (e.p << 1) | 1) >>> 0, true);
      body.setUint32(k * size + 4, e.t, true);
    });
    parts.push(new Uint8Array(h.buffer), new Uint8Array(body.buffer));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const onlyEventErrors = (f: () => unknown): boolean => {
  try {
    f();
    return true;
  } catch (e) {
    if (e instanceof EventFileError) return true;
    throw e;
  }
};

const ev = (max: { x: number; y: number; t: number }) =>
  fc.record({
    t: fc.integer({ min: 0, max: max.t }),
    x: fc.integer({ min: 0, max: max.x }),
    y: fc.integer({ min: 0, max: max.y }),
    p: fc.integer({ min: 0, max: 1 }),
  });

describe('N-MNIST binary events', () => {
  it('decodes a hand-written event: x, y, polarity bit 7 of byte 2, 23-bit big-endian time', () => {
    // x 3, y 5, ON, t = 0x010203 = 66051 µs; then x 33, y 0, OFF, t = 0x7fffff
    const e = decodeNMnist(Uint8Array.from([3, 5, 0x81, 0x02, 0x03, 33, 0, 0x7f, 0xff, 0xff]));
    expect([Array.from(e.x), Array.from(e.y), Array.from(e.p), Array.from(e.t)]).toEqual([
      [3, 33],
      [5, 0],
      [1, 0],
      [66051, 2 ** 23 - 1],
    ]);
  });
  it('round-trips any events, through a file too', () => {
    fc.assert(
      fc.property(fc.array(ev({ x: 255, y: 255, t: 2 ** 23 - 1 }), { maxLength: 30 }), (es) => {
        expect(decodeNMnist(encodeNMnist(es))).toEqual(toEvents(es));
      }),
    );
    const es = [{ t: 7, x: 1, y: 2, p: 1 }];
    writeFileSync(join(dir, '00001.bin'), encodeNMnist(es));
    expect(readNMnist(join(dir, '00001.bin'))).toEqual(toEvents(es));
  });
  it('refuses a truncated file, naming it; random bytes throw nothing else', () => {
    expect(() => decodeNMnist(new Uint8Array(7), 'a.bin')).toThrow(
      /^a\.bin: truncated: 7 bytes is not a whole number of 5-byte N-MNIST events$/,
    );
    expect(() => readNMnist(join(dir, 'nope.bin'))).toThrow(/nope\.bin: no such file/);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => onlyEventErrors(() => decodeNMnist(b))),
      { numRuns: 500 },
    );
  });
});

describe('AEDAT 3.1 (DVS128 Gesture)', () => {
  it('decodes polarity packets: x = data >> 17, y = data >> 2 & 0x7fff, p = bit 1, t = timestamp | overflow << 31; skips other packets', () => {
    const bytes = encodeAedat([
      { events: [{ t: 1000, x: 10, y: 20, p: 1 }] },
      { type: 2, size: 8, events: [{ t: 5, x: 1, y: 1, p: 1 }] }, // a special-event packet: skipped
      { overflow: 1, events: [{ t: 7, x: 127, y: 0, p: 0 }] },
    ]);
    const e = decodeAedat31(bytes);
    expect([Array.from(e.x), Array.from(e.y), Array.from(e.p), Array.from(e.t)]).toEqual([
      [10, 127],
      [20, 0],
      [1, 0],
      [1000, 7 + 2 ** 31],
    ]);
    writeFileSync(join(dir, 'user01_led.aedat'), bytes);
    expect(readAedat31(join(dir, 'user01_led.aedat'))).toEqual(e);
  });
  it('round-trips any events split into packets', () => {
    fc.assert(
      fc.property(fc.array(fc.array(ev({ x: 32767, y: 32767, t: 2 ** 31 - 1 }), { maxLength: 6 }), { maxLength: 4 }), (packets) => {
        expect(decodeAedat31(encodeAedat(packets.map((events) => ({ events }))))).toEqual(toEvents(packets.flat()));
      }),
    );
  });
  it('refuses foreign, truncated and malformed files, naming the file and the problem', () => {
    const good = encodeAedat([{ events: [{ t: 1, x: 1, y: 1, p: 1 }] }]);
    const err = (b: Uint8Array): string => {
      try {
        decodeAedat31(b, 'g.aedat');
      } catch (e) {
        expect(e).toBeInstanceOf(EventFileError);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(err(new Uint8Array([0, 0, 8, 1]))).toMatch(/^g\.aedat: not an AEDAT file/);
    expect(err(new TextEncoder().encode('#!AER-DAT3.1\r\n#no end'))).toMatch(/truncated header/);
    expect(err(new TextEncoder().encode('#!AER-DAT3.1\r\nhello\r\n#!END-HEADER\r\n'))).toMatch(
      /header line "hello\\r\\n" does not start with "#"/,
    );
    expect(err(good.subarray(0, good.length - 3))).toMatch(/truncated: packet 0 holds 1 events of 8 bytes, 5 bytes are left/);
    expect(err(good.subarray(0, good.length - 20))).toMatch(/truncated: packet 0 at byte \d+ has 16 of its 28 header bytes/);
    expect(err(encodeAedat([{ size: 12, events: [{ t: 1, x: 1, y: 1, p: 1 }] }]))).toMatch(/polarity events are 8 bytes, this one says 12/);
  });
  it('fuzz: random bytes after a header, and mutations of a valid file, throw nothing but EventFileError', () => {
    const head = new TextEncoder().encode('#!AER-DAT3.1\r\n#!END-HEADER\r\n');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (b) => onlyEventErrors(() => decodeAedat31(Uint8Array.from([...head, ...b])))),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), (b) => onlyEventErrors(() => decodeAedat31(b))),
      { numRuns: 500 },
    );
    const good = encodeAedat([
      {
        events: [
          { t: 1, x: 1, y: 1, p: 1 },
          { t: 2, x: 3, y: 4, p: 0 },
        ],
      },
    ]);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat({ max: good.length }),
        (edits, cut) => {
          const b = good.slice(0, cut);
          for (const [at, v] of edits) if (b.length) b[at % b.length] = v;
          return onlyEventErrors(() => decodeAedat31(b));
        },
      ),
      { numRuns: 1000 },
    );
  });
  it('labels: parses the csv and slices a recording into gestures by time', () => {
    const csv = 'class,startTime_usec,endTime_usec\r\n1,10,20\r\n11,20,35\r\n';
    writeFileSync(join(dir, 'user01_led_labels.csv'), csv);
    const labels = readGestureLabels(join(dir, 'user01_led_labels.csv'));
    expect(labels).toEqual([
      { label: 1, start: 10, end: 20 },
      { label: 11, start: 20, end: 35 },
    ]);
    const rec = toEvents([5, 10, 15, 19, 20, 34, 35].map((t) => ({ t, x: 0, y: 0, p: 1 })));
    expect(Array.from(sliceEvents(rec, 10, 20).t)).toEqual([10, 15, 19]);
    expect(Array.from(sliceEvents(rec, 20, 35).t)).toEqual([20, 34]);
    expect(sliceEvents(rec, 40, 50).t.length).toBe(0);
    expect(() => parseGestureLabels('class,startTime_usec,endTime_usec\n1,20,10\n', 'l.csv')).toThrow(
      /l\.csv: line 2 "1,20,10": expected three integers/,
    );
    expect(() => parseGestureLabels('hello', 'l.csv')).toThrow(/not a DVS128 Gesture labels file/);
  });
});

describe('frames from events', () => {
  // t: 0, 1, 2, 3, 10 on a 2 × 3 sensor
  const es = toEvents([
    { t: 0, x: 0, y: 0, p: 0 },
    { t: 1, x: 1, y: 0, p: 1 },
    { t: 2, x: 1, y: 0, p: 1 },
    { t: 3, x: 2, y: 1, p: 0 },
    { t: 10, x: 0, y: 1, p: 1 },
  ]);
  const size = { height: 2, width: 3 };
  /** frame [2, 2, 3] from (c, y, x) → count. */
  const frame = (cells: Record<string, number>): number[] => {
    const f = new Array(12).fill(0);
    for (const [k, v] of Object.entries(cells)) {
      const [c, y, x] = k.split(',').map(Number) as [number, number, number];
      f[c * 6 + y * 3 + x] = v;
    }
    return f;
  };
  it("split by 'number': ⌊5/2⌋ = 2 events, then the other 3", () => {
    expect(frameSegments(es.t, 2, 'number')).toEqual({ start: Int32Array.from([0, 2]), end: Int32Array.from([2, 5]) });
    const f = integrateEvents(es, { ...size, frames: 2, splitBy: 'number' });
    expect(Array.from(f)).toEqual([...frame({ '0,0,0': 1, '1,0,1': 1 }), ...frame({ '1,0,1': 1, '0,1,2': 1, '1,1,0': 1 })]);
  });
  it("split by 'time': Δ = ⌊10/2⌋ = 5, windows [0, 5) and the rest; an empty window gives an empty frame", () => {
    const f = integrateEvents(es, { ...size, frames: 2, splitBy: 'time' });
    expect(Array.from(f)).toEqual([...frame({ '0,0,0': 1, '1,0,1': 2, '0,1,2': 1 }), ...frame({ '1,1,0': 1 })]);
    // T = 4: Δ = 2, windows [0, 2), [2, 4), [4, 6) (empty: SpikingJelly raises IndexError there), rest
    expect(frameSegments(es.t, 4, 'time')).toEqual({ start: Int32Array.from([0, 2, 4, 4]), end: Int32Array.from([2, 4, 4, 5]) });
    // all at one time: Δ = 0, every event in the last frame
    const same = toEvents([0, 1, 2].map((x) => ({ t: 7, x, y: 0, p: 1 })));
    expect(frameSegments(same.t, 3, 'time')).toEqual({ start: Int32Array.from([0, 0, 0]), end: Int32Array.from([0, 0, 3]) });
  });
  it('by duration: frame j holds ⌊t/D⌋ = j, the last frame the rest, K = ⌈t_last/D⌉', () => {
    const { frames, count } = integrateEventsByDuration(es, 4, size);
    expect(count).toBe(3); // ⌈10/4⌉
    expect(Array.from(frames)).toEqual([...frame({ '0,0,0': 1, '1,0,1': 2, '0,1,2': 1 }), ...frame({}), ...frame({ '1,1,0': 1 })]);
  });
  it('laws: every event is counted once, in its polarity channel, whatever the split', () => {
    const sample = fc.array(ev({ x: 4, y: 3, t: 1000 }), { maxLength: 40 }).map((a) => toEvents([...a].sort((u, v) => u.t - v.t)));
    fc.assert(
      fc.property(sample, fc.integer({ min: 1, max: 6 }), fc.constantFrom('number' as const, 'time' as const), (e, T, splitBy) => {
        const f = integrateEvents(e, { height: 4, width: 5, frames: T, splitBy });
        const on = e.p.reduce((a, p) => a + p, 0);
        let onCount = 0;
        let all = 0;
        for (let t = 0; t < T; t++)
          for (let k = 0; k < 40; k++) {
            all += f[t * 40 + k] as number;
            if (k >= 20) onCount += f[t * 40 + k] as number;
          }
        expect([all, onCount]).toEqual([e.t.length, on]);
        const { start, end } = frameSegments(e.t, T, splitBy);
        for (let j = 0; j < T; j++) {
          expect(start[j]).toBeLessThanOrEqual(end[j] as number);
          if (j > 0) expect(start[j]).toBe(end[j - 1]); // contiguous: no event lost or counted twice
        }
        expect([start[0], end[T - 1]]).toEqual([0, e.t.length]);
      }),
      { numRuns: 200 },
    );
  });
  it('a batch is one tensor [T, B, 2, H, W], sample b at [:, b]', () => {
    const other = toEvents([{ t: 0, x: 2, y: 1, p: 1 }]);
    const before = tf.memory().numTensors;
    const x = eventFrames([es, other], { ...size, frames: 2, splitBy: 'number' });
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(x.shape).toEqual([2, 2, 2, 2, 3]);
    const v = x.arraySync();
    const a = integrateEvents(es, { ...size, frames: 2, splitBy: 'number' });
    const b = integrateEvents(other, { ...size, frames: 2, splitBy: 'number' });
    for (let t = 0; t < 2; t++) {
      expect(v[t]?.[0]?.flat(2)).toEqual(Array.from(a.subarray(t * 12, (t + 1) * 12)));
      expect(v[t]?.[1]?.flat(2)).toEqual(Array.from(b.subarray(t * 12, (t + 1) * 12)));
    }
    x.dispose();
  });
  it('refuses events off the sensor, out of order for a time split, and bad options', () => {
    expect(() => integrateEvents(es, { height: 2, width: 2, frames: 2, splitBy: 'number' })).toThrow(
      /integrateEvents: argument 'events' expected pixels inside the 2 × 2 sensor, got x 2, y 1 at event 3/,
    );
    const backwards = toEvents([
      { t: 5, x: 0, y: 0, p: 0 },
      { t: 1, x: 0, y: 0, p: 0 },
    ]);
    expect(() => integrateEvents(backwards, { ...size, frames: 2, splitBy: 'time' })).toThrow(
      /times in non-decreasing order, got t 1 after 5 at event 1/,
    );
    expect(() => integrateEvents(es, { ...size, frames: 0, splitBy: 'number' })).toThrow(SpikefnArgumentError);
    expect(() => integrateEvents(es, { ...size, frames: 2, splitBy: 'space' as never })).toThrow(/splitBy/);
    expect(() => integrateEventsByDuration(es, 0, size)).toThrow(/duration/);
    expect(() => eventFrames([], { ...size, frames: 2, splitBy: 'number' })).toThrow(/at least one sample/);
  });
});
