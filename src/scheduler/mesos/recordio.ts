/**
 * RecordIO framing used by the Mesos v1 event stream: repeat(`<decimal length>\n<length bytes>`).
 * HTTP chunk boundaries carry no meaning, so the decoder buffers bytes and splits records itself.
 */

/** Largest record accepted; a longer length prefix is treated as a corrupt frame, not a reason to buffer forever. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;
/** A length prefix longer than this many digits cannot be valid under MAX_RECORD_BYTES. */
const MAX_HEADER_DIGITS = String(MAX_RECORD_BYTES).length;

export class RecordIOError extends Error {
  constructor(
    message: string,
    /** The bytes that could not be framed (a prefix, for logging what was received). */
    readonly received: string,
  ) {
    super(message);
    this.name = 'RecordIOError';
  }
}

export function encodeRecord(payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return Buffer.concat([Buffer.from(`${body.length}\n`, 'ascii'), body]);
}

export class RecordIODecoder {
  private buf: Buffer = Buffer.alloc(0);
  private failed = false;

  /**
   * Feed bytes; returns the complete records now available. Throws RecordIOError on a bad frame,
   * after which the decoder refuses further input: the stream position is lost and the caller must
   * reconnect.
   */
  push(chunk: Buffer): Buffer[] {
    if (this.failed) throw new RecordIOError('decoder already failed; reconnect required', '');
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: Buffer[] = [];
    for (;;) {
      const nl = this.buf.indexOf(0x0a);
      if (nl < 0) {
        if (this.buf.length > MAX_HEADER_DIGITS || !/^[0-9]*$/.test(this.buf.toString('latin1'))) {
          this.fail(`bad RecordIO length prefix`);
        }
        return out;
      }
      const header = this.buf.subarray(0, nl).toString('latin1');
      if (!/^[0-9]+$/.test(header) || header.length > MAX_HEADER_DIGITS) this.fail('bad RecordIO length prefix');
      const len = Number(header);
      if (len === 0) this.fail('RecordIO record of length 0');
      if (len > MAX_RECORD_BYTES) this.fail(`RecordIO record of ${len} bytes exceeds limit`);
      if (this.buf.length < nl + 1 + len) return out;
      out.push(Buffer.from(this.buf.subarray(nl + 1, nl + 1 + len)));
      this.buf = this.buf.subarray(nl + 1 + len);
    }
  }

  /** Bytes of an incomplete record still buffered (non-zero at end of stream means a truncated frame). */
  get pending(): number {
    return this.buf.length;
  }

  private fail(message: string): never {
    this.failed = true;
    const received = this.buf.subarray(0, 80).toString('latin1');
    throw new RecordIOError(message, received);
  }
}
