// A real Prometheus Pushgateway (Debian's prometheus-pushgateway, which
// scripts/system-deps.mjs installs; PUSHGATEWAY_BIN names another) on
// 127.0.0.1, for drift's pushed metrics; Prometheus scrapes its /metrics.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { freePort } from '../../support/free-port.ts';

export interface Pushgateway {
  url: string;
  stop(): Promise<void>;
}

export async function startPushgateway(): Promise<Pushgateway> {
  const bin = process.env.PUSHGATEWAY_BIN ?? '/usr/bin/prometheus-pushgateway';
  assert.ok(existsSync(bin), `no Pushgateway at ${bin}: run \`node scripts/system-deps.mjs\` (installs Debian's prometheus-pushgateway) or set PUSHGATEWAY_BIN`);
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    // Debian's build persists to /var/lib/prometheus/pushgateway.data by default, shared by every run on the machine: memory only
    const proc = execa(bin, [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file=', '--log.level=warn'], { reject: false, all: true, buffer: true });
    let exited = false;
    void proc.then(() => (exited = true));
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100 && !exited; i++) {
      if ((await fetch(`${url}/-/ready`).catch(() => undefined))?.ok) {
        return { url, stop: async () => void (proc.kill('SIGTERM'), await proc) };
      }
      await sleep(100);
    }
    if (!exited) proc.kill('SIGKILL');
    const out = String((await proc).all ?? '');
    if (!/address already in use/i.test(out)) throw new Error(`the Pushgateway did not start: ${out}`);
  }
  throw new Error('the Pushgateway found no free port in 3 attempts');
}
