import { formatLabels, humanDuration, timestampSince } from '../../../src/api/table';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe('humanDuration (kube AGE strings)', () => {
  it.each([
    [-5 * s, '<invalid>'],
    [-1 * s, '0s'],
    [0, '0s'],
    [119 * s, '119s'],
    [2 * m, '2m'],
    [5 * m + 7 * s, '5m7s'],
    [10 * m + 30 * s, '10m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [7 * h + 59 * m, '7h59m'],
    [8 * h + 30 * m, '8h'],
    [47 * h, '47h'],
    [2 * d, '2d'],
    [3 * d + 5 * h, '3d5h'],
    [8 * d + 5 * h, '8d'],
    [729 * d, '729d'],
    [2 * 365 * d + 4 * d, '2y4d'],
    [9 * 365 * d, '9y'],
  ])('%d ms → %s', (ms, out) => {
    expect(humanDuration(ms)).toBe(out);
  });

  it('prints <unknown> for missing timestamps', () => {
    expect(timestampSince(undefined, new Date())).toBe('<unknown>');
    expect(timestampSince('2024-01-01T00:00:00Z', new Date('2024-01-01T00:05:00Z'))).toBe('5m');
  });

  it('formats label selectors sorted, <none> when empty', () => {
    expect(formatLabels({ b: '2', a: '1' })).toBe('a=1,b=2');
    expect(formatLabels({})).toBe('<none>');
    expect(formatLabels(undefined)).toBe('<none>');
  });
});
