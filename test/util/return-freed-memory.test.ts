import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { startMemoryReturner } from '../../src/util/return-freed-memory';
import { FakeClock } from '../helpers/fake-clock';

const FREED_HEAP = path.join(__dirname, 'fixtures', 'freed-heap.ts');

function returner(clock: FakeClock) {
  let gcListener: (() => void) | undefined;
  const calls: number[] = [];
  const r = startMemoryReturner({
    clock,
    minIntervalMs: 5_000,
    periodMs: 60_000,
    trim: () => void calls.push(clock.now()),
    onMajorGc: (l) => {
      gcListener = l;
      return () => (gcListener = undefined);
    },
  })!;
  return { r, calls, majorGc: () => gcListener?.() };
}

describe('returning freed C heap to the OS', () => {
  it('free C heap left behind by freed Buffers is given back: the [heap] mapping shrinks to about what is still used', () => {
    const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', FREED_HEAP], { encoding: 'utf8', timeout: 60_000 });
    expect(child.status).toBe(0);
    const out = JSON.parse(child.stdout) as { available: boolean; before: number; after: number; freedKiB: number; trims: number };
    // This machine is glibc Linux with koffi's prebuilt binary: the trim must be available here.
    expect(out.available).toBe(true);
    expect(out.trims).toBe(1);
    // Before: glibc kept (most of) what was freed. After: at least 80% of the freed bytes left the process.
    expect(out.before).toBeGreaterThan(out.freedKiB * 0.5);
    expect(out.before - out.after).toBeGreaterThan(out.freedKiB * 0.8);
  });

  it('a major GC leads to a trim, and GCs in quick succession share one trim at most every interval', () => {
    const clock = new FakeClock();
    const { r, calls, majorGc } = returner(clock);
    majorGc();
    clock.advance(0);
    expect(calls).toEqual([0]);
    clock.advance(1_000);
    majorGc();
    majorGc();
    clock.advance(1_000);
    expect(calls).toEqual([0]); // within 5 s of the last trim: waits
    clock.advance(3_000);
    expect(calls).toEqual([0, 5_000]); // one trim for both GCs
    r.stop();
  });

  it('a process that has gone quiet (no major GC) is still trimmed every period, and stop ends it', () => {
    const clock = new FakeClock();
    const { r, calls, majorGc } = returner(clock);
    clock.advance(60_000);
    expect(calls).toEqual([60_000]);
    clock.advance(60_000);
    expect(calls).toEqual([60_000, 120_000]);
    r.stop();
    majorGc();
    clock.advance(300_000);
    expect(calls).toEqual([60_000, 120_000]);
  });
});
