import { describe, expect, it } from '@jest/globals';
import { copyRecord } from '../../server/src/storage/memory/copy-record.js';

describe('copyRecord (the memory store copy in and out)', () => {
  it('copies plain data deeply: nothing of the copy is shared with the original', () => {
    const at = new Date('2026-01-02T03:04:05Z');
    const bytes = Uint8Array.from([1, 2, 3]);
    const original = { s: 'x', n: 1.5, b: true, nil: null, none: undefined, at, bytes, list: [{ at, k: [1, 'two'] }], nested: { deeper: { bytes } } };
    const copy = copyRecord(original);
    expect(copy).toEqual(original);
    expect(Object.keys(copy)).toEqual(Object.keys(original)); // undefined-valued keys kept, like structuredClone
    expect(copy.at).not.toBe(at);
    expect(copy.bytes).not.toBe(bytes);
    expect(copy.list[0]).not.toBe(original.list[0]);
    expect(copy.list[0]!.k).not.toBe(original.list[0]!.k);
    expect(copy.nested.deeper.bytes).not.toBe(bytes);
    at.setTime(0);
    bytes[0] = 99;
    original.list[0]!.k.push(3);
    expect(copy.at.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect([...copy.bytes]).toEqual([1, 2, 3]);
    expect([...copy.nested.deeper.bytes]).toEqual([1, 2, 3]);
    expect(copy.list[0]!.k).toEqual([1, 'two']);
  });

  it('copies a byte-array view as its own bytes only, and a Buffer as a Uint8Array', () => {
    const pool = new Uint8Array(8192).fill(7);
    const view = pool.subarray(100, 165);
    const copied = copyRecord({ view }).view;
    expect(copied.byteLength).toBe(65);
    expect(copied.buffer.byteLength).toBe(65);
    expect(copied).toEqual(view);
    const buf = copyRecord({ b: Buffer.from('abc') }).b;
    expect(Object.getPrototypeOf(buf)).toBe(Uint8Array.prototype);
    expect([...buf]).toEqual([97, 98, 99]);
  });

  it('throws on what is not record data (functions, Maps, class instances), as structuredClone refused functions', () => {
    expect(() => copyRecord({ f: () => 1 })).toThrow(TypeError);
    expect(() => copyRecord({ m: new Map() })).toThrow(/Map is not record data/);
    class Thing {}
    expect(() => copyRecord([new Thing()])).toThrow(/Thing is not record data/);
    expect(copyRecord(Object.assign(Object.create(null), { a: 1 }))).toEqual({ a: 1 });
  });
});
