import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

describe('scripts/gen-schemas.ts', () => {
  it('regenerates exactly the committed schemas/ (they cannot drift from their sources)', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'km-schemas-'));
    try {
      const r = spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'scripts/gen-schemas.ts')], {
        env: { ...process.env, KM_SCHEMAS_OUT: out },
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(r.status).toBe(0);
      const committed = fs.readdirSync(path.join(ROOT, 'schemas')).filter((f) => f.endsWith('.json')).sort();
      expect(fs.readdirSync(out).sort()).toEqual(committed);
      for (const f of committed) {
        expect([f, fs.readFileSync(path.join(out, f), 'utf8') === fs.readFileSync(path.join(ROOT, 'schemas', f), 'utf8')]).toEqual([f, true]);
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
