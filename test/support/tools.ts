// System tools some tests drive for real. pretest (scripts/system-deps.mjs)
// installs them; a test that finds one missing fails saying so, never skips.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';

/** Headless chromium (Debian package chromium). */
export function chromiumBin(): string {
  const bin = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  assert.ok(bin, 'chromium is not installed: run `node scripts/system-deps.mjs` (apt-get install -y chromium), as `npm test` does first');
  return bin;
}
