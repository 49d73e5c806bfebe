import fc from 'fast-check';
import { RecordIODecoder, RecordIOError, encodeRecord } from '../../src/scheduler/mesos/recordio';

test('records come out whole however the stream is split into chunks', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ minLength: 1, maxLength: 200 }), { minLength: 1, maxLength: 20 }), fc.array(fc.nat(400), { maxLength: 30 }), (payloads, cuts) => {
      const stream = Buffer.concat(payloads.map((p) => encodeRecord(p)));
      const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
      const dec = new RecordIODecoder();
      const out: string[] = [];
      let prev = 0;
      for (const p of [...points, stream.length]) {
        for (const r of dec.push(stream.subarray(prev, p))) out.push(r.toString('utf8'));
        prev = p;
      }
      expect(out).toEqual(payloads);
      expect(dec.pending).toBe(0);
    }),
  );
});

test('multi-byte UTF-8 lengths are counted in bytes', () => {
  const dec = new RecordIODecoder();
  expect(dec.push(encodeRecord('{"m":"héllo ✓"}')).map((b) => b.toString())).toEqual(['{"m":"héllo ✓"}']);
});

test.each([
  ['a non-numeric length', 'abc\n{}'],
  ['a negative length', '-1\n{}'],
  ['a zero length', '0\n'],
  ['an absurd length', '99999999999\n{}'],
  ['a missing newline after too many digits', '123456789012'],
])('%s is rejected with the bytes received, and the decoder stays failed', (_what, bytes) => {
  const dec = new RecordIODecoder();
  let err: unknown;
  try {
    dec.push(Buffer.from(bytes));
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(RecordIOError);
  expect((err as RecordIOError).received.length).toBeGreaterThan(0);
  expect(() => dec.push(encodeRecord('{}'))).toThrow(RecordIOError);
});
