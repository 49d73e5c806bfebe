import { utf8Bytes } from '../../src/util/utf8-bytes';

describe('utf8Bytes', () => {
  test('gives the same bytes as Buffer.from for ASCII, multi-byte and astral text', () => {
    for (const text of ['', 'pod', 'naïve-ünïcode', '日本語のラベル', '😀 emoji 🚀', 'x'.repeat(5000), 'é'.repeat(9000)]) {
      expect(utf8Bytes(text).equals(Buffer.from(text, 'utf8'))).toBe(true);
    }
  });

  test('earlier results keep their bytes when later ones are carved from the same slab or a new one', () => {
    const texts = Array.from({ length: 200 }, (_, i) => `{"n":${i},"pad":"${'é'.repeat(i * 37)}"}`);
    const out = texts.map((t) => utf8Bytes(t));
    out.forEach((b, i) => expect(b.toString('utf8')).toBe(texts[i]));
  });

  test('a string larger than the pooled limit gets its own buffer', () => {
    const big = 'a'.repeat(40_000);
    const b = utf8Bytes(big);
    expect(b.length).toBe(40_000);
    expect(b.toString('utf8')).toBe(big);
  });
});
