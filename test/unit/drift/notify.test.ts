import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { assessDrift } from '../../../src/drift/assess.ts';
import { driftMessage, postWebhook, redactUrl } from '../../../src/drift/notify.ts';
import { CLUSTERS, cleanReads, deployed, desiredUnits, liveObjects, SECRET_VALUE, SECRET_VALUE_EDITED } from './fixtures.ts';

function report() {
  const reads = cleanReads();
  const [paris, gke] = reads;
  assert.ok(paris && gke);
  paris.live = [...(paris.live as ReturnType<typeof liveObjects>).filter((o) => o.metadata?.name !== 'account-service-internal'), ...liveObjects('account-service-internal', 'accounts', { secret: SECRET_VALUE_EDITED, replicas: 4 })];
  gke.releases = [deployed('gke-europe-west1', 'account-service-internal', 'accounts', { status: 'failed' }), deployed('gke-europe-west1', 'account-service-production', 'accounts')];
  return assessDrift({ clustersFile: 'clusters.yaml', createdAt: '2026-11-22T02:00:00Z', clusters: CLUSTERS, units: desiredUnits(), reads, repo: 'deploy' });
}

describe('notify', () => {
  it('names the counts and the worst units, never a secret', () => {
    const m = driftMessage(report());
    assert.match(m.text, /2 of 4 releases drifted \(1 broken, 1 changed live\)/);
    const body = JSON.stringify(m);
    assert.match(body, /gke-europe-west1\* `accounts\/account-service-internal` broken/);
    assert.ok(body.indexOf('broken') < body.indexOf(' live:'), 'worst first');
    for (const s of [SECRET_VALUE, SECRET_VALUE_EDITED]) assert.ok(!body.includes(s) && !body.includes(Buffer.from(s).toString('base64')));
  });
  it('posts JSON to a local webhook', async () => {
    const got: { method?: string; type?: string; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        got.push({ method: req.method, type: req.headers['content-type'], body });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/XXXX`;
    try {
      await postWebhook(url, driftMessage(report()));
    } finally {
      server.close();
    }
    assert.equal(got.length, 1);
    assert.equal(got[0]?.method, 'POST');
    assert.equal(got[0]?.type, 'application/json');
    const parsed = JSON.parse(got[0]?.body ?? '{}') as { text: string; blocks: unknown[] };
    assert.match(parsed.text, /drifted/);
    assert.ok(Array.isArray(parsed.blocks));
  });
  it('fails loudly when the hook refuses, and hides the token in the URL', async () => {
    const server = createServer((_req, res) => {
      res.statusCode = 404;
      res.end('no_service');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/SECRET`;
    try {
      await assert.rejects(postWebhook(url, driftMessage(report())), /404.*no_service/);
    } finally {
      server.close();
    }
    assert.ok(!redactUrl(url).includes('SECRET'));
  });
});
