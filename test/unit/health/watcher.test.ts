// The watch cache (pure) and the watching reader over an in-memory API:
// lists then watches, resumes and lists again on 410 Gone, falls back to
// polling where the watch is refused; a gate wakes on the event that decides
// it, not at its next poll (test/e2e/health.test.ts gates through the real
// fleet's watches; bench/gate.ts measures the reaction).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runGate } from '../../../src/health/gate.ts';
import { LivePoller } from '../../../src/health/poller.ts';
import { applyWatchEvent, cacheOfList } from '../../../src/health/watch-store.ts';
import { WatchReader } from '../../../src/health/watcher.ts';
import type { WatchReaderOptions } from '../../../src/health/watcher.ts';
import type { WatchEvent } from '../../../src/kube/client.ts';
import type { LiveObject } from '../../../src/model/objects.ts';
import type { ResourceInfo } from '../../../src/model/resources.ts';
import { builtinResource } from '../../../src/model/resources.ts';
import { fixture } from './fixtures.ts';

const cm = (name: string, rv: string): LiveObject => ({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name, namespace: 'shop', resourceVersion: rv } });

describe('watch cache', () => {
  it('follows ADDED, MODIFIED and DELETED; a bookmark moves the resourceVersion; ERROR lists again', () => {
    let c = cacheOfList([cm('a', '1')], '5');
    const step = (e: WatchEvent) => {
      const next = applyWatchEvent(c, e);
      assert.notEqual(next, 'relist');
      if (next !== 'relist') c = next;
    };
    step({ type: 'ADDED', object: cm('b', '6') });
    step({ type: 'MODIFIED', object: { ...cm('a', '7'), data: { x: '1' } } });
    step({ type: 'DELETED', object: cm('b', '8') });
    step({ type: 'BOOKMARK', object: cm('', '9') });
    assert.deepEqual([...c.objects.keys()], ['a']);
    assert.deepEqual(c.objects.get('a')?.data, { x: '1' });
    assert.equal(c.resourceVersion, '9');
    assert.equal(applyWatchEvent(c, { type: 'ERROR', object: { kind: 'Status', metadata: { name: '' }, code: 410 } }), 'relist');
  });
});

/** An API of one namespace whose watches the test drives: `emit` sends an event to every open watch of a kind. */
function fakeApi(state: Map<string, LiveObject[]>, o: { refuseWatch?: boolean } = {}) {
  const watchers = new Map<string, Set<(e: WatchEvent) => void>>();
  const calls = { lists: 0, watches: 0 };
  let rv = 10;
  const api: WatchReaderOptions['api'] = {
    list: async (r: ResourceInfo) => (calls.lists++, { items: state.get(r.kind) ?? [], resourceVersion: String(rv) }),
    watch: (r, _ns, _rv, onEvent, signal) => {
      calls.watches++;
      if (o.refuseWatch) return Promise.reject(new Error('HTTP 403: watch forbidden'));
      const set = watchers.get(r.kind) ?? new Set();
      watchers.set(r.kind, set);
      set.add(onEvent);
      return new Promise<void>((resolve) => signal.addEventListener('abort', () => (set.delete(onEvent), resolve()), { once: true }));
    },
  };
  const emit = (kind: string, e: WatchEvent) => {
    rv++;
    e.object.metadata.resourceVersion = String(rv);
    for (const f of watchers.get(kind) ?? []) f(e);
  };
  return { api, calls, emit, open: (kind: string) => watchers.get(kind)?.size ?? 0 };
}

const KINDS = ['Deployment', 'Service', 'EndpointSlice', 'Pod'].map((k) => builtinResource(k)!);
const settle = () => new Promise((r) => setImmediate(r));

describe('WatchReader', () => {
  it('serves snapshots from the lists and the events that follow, with no further request; wakes a waiter on a change', async () => {
    const f = fakeApi(new Map([['Deployment', [fixture('deployment-progressing')]]]));
    const reader = new WatchReader({ api: f.api, poller: new LivePoller({ list: async () => assert.fail('no poll') }), kinds: KINDS });
    try {
      const first = await reader.snapshot('shop', Date.now());
      assert.deepEqual(first.objects.map((x) => x.kind), ['Deployment']);
      await settle();
      assert.deepEqual([f.calls.lists, f.open('Pod')], [4, 1]);
      const woken = reader.changed('shop', first.version!, new AbortController().signal);
      f.emit('Pod', { type: 'ADDED', object: fixture('pod-ready') });
      await woken;
      const second = await reader.snapshot('shop', Date.now());
      assert.deepEqual(second.objects.map((x) => x.kind).sort(), ['Deployment', 'Pod']);
      assert.ok(second.version! > first.version!);
      assert.equal(f.calls.lists, 4);
      assert.deepEqual(reader.watched(), ['shop']);
    } finally {
      reader.close();
    }
  });

  it('lists again after 410 Gone', async () => {
    const state = new Map([['Pod', [fixture('pod-ready')]]]);
    const f = fakeApi(state);
    const reader = new WatchReader({ api: f.api, poller: new LivePoller({ list: async () => [] }), kinds: [builtinResource('Pod')!] });
    try {
      await reader.snapshot('shop', Date.now());
      await settle();
      state.set('Pod', []);
      f.emit('Pod', { type: 'ERROR', object: { kind: 'Status', metadata: { name: '' }, code: 410 } });
      await settle();
      await settle();
      assert.equal(f.calls.lists, 2);
      assert.deepEqual((await reader.snapshot('shop', Date.now())).objects, []);
    } finally {
      reader.close();
    }
  });

  it('polls a namespace whose watch is refused', async () => {
    const f = fakeApi(new Map(), { refuseWatch: true });
    let polls = 0;
    const reader = new WatchReader({ api: f.api, poller: new LivePoller({ ttlMs: 0, list: async () => (polls++, [fixture('pod-ready')]) }), kinds: [builtinResource('Pod')!] });
    try {
      await reader.snapshot('shop', Date.now());
      await settle();
      const before = polls;
      const s = await reader.snapshot('shop', Date.now());
      assert.equal(s.version, undefined);
      assert.deepEqual(s.objects.map((x) => x.metadata.name), ['web-7d9f-ready']);
      assert.equal(polls, before + 1);
      assert.deepEqual(reader.watched(), []);
    } finally {
      reader.close();
    }
  });

  it('a gate decides on the event, not at its next poll (a poll interval of an hour)', { timeout: 20_000 }, async () => {
    const f = fakeApi(new Map<string, LiveObject[]>([['Deployment', [fixture('deployment-progressing')]], ['Pod', [fixture('pod-running-not-ready')]]]));
    const reader = new WatchReader({ api: f.api, poller: new LivePoller({ list: async () => assert.fail('no poll') }), kinds: KINDS });
    const owned = [{ kind: 'Deployment', namespace: 'shop', name: 'web' }];
    try {
      const gate = runGate({ unit: 'c/shop/web', reader, owned, baseline: {}, specChanged: 'all', health: { timeoutMs: 3_600_000, soakMs: 0, minReadyEndpoints: 1, maxRestarts: 0, http: [] }, pollIntervalMs: 3_600_000 });
      await settle();
      f.emit('Pod', { type: 'MODIFIED', object: fixture('pod-crashloop') });
      const r = await gate;
      assert.equal(r.phase, 'failed');
      assert.match(r.reason, /CrashLoopBackOff/);
    } finally {
      reader.close();
    }
  });
});

