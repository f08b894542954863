// A page opened in the machine's headless Chromium (Debian package chromium)
// and watched over the DevTools protocol (Node's own WebSocket): every console
// message with its level, every uncaught exception, every log entry (failed
// loads, refused content), every request the page made, the value of a script
// evaluated in it once loaded, and a screenshot of it.
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromiumBin } from './tools.ts';
import { tempDir } from './tmp.ts';

export interface PageReport {
  /** console.* calls and log entries, as "level: text". */
  console: string[];
  /** Uncaught exceptions. */
  exceptions: string[];
  /** Every URL the page requested (the page itself included). */
  requests: string[];
  /** What `evaluate` returned. */
  value: unknown;
}

interface Cdp {
  send(method: string, params?: Record<string, unknown>, sessionId?: string): Promise<Record<string, unknown>>;
  on(handler: (msg: { method?: string; params?: Record<string, unknown> }) => void): void;
  close(): void;
}

async function connect(url: string): Promise<Cdp> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error(`cannot connect to ${url}`));
  });
  let id = 0;
  const waiting = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  const handlers: ((msg: { method?: string; params?: Record<string, unknown> }) => void)[] = [];
  ws.onmessage = (ev) => {
    const msg = JSON.parse(String(ev.data)) as { id?: number; result?: Record<string, unknown>; error?: { message: string }; method?: string; params?: Record<string, unknown> };
    if (msg.id !== undefined) {
      const w = waiting.get(msg.id);
      waiting.delete(msg.id);
      if (msg.error) w?.reject(new Error(msg.error.message));
      else w?.resolve(msg.result ?? {});
    } else for (const h of handlers) h(msg);
  };
  return {
    send: (method, params = {}, sessionId) =>
      new Promise((resolve, reject) => {
        waiting.set(++id, { resolve, reject });
        ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
      }),
    on: (h) => void handlers.push(h),
    close: () => ws.close(),
  };
}

/** Opens `file` (an absolute path) at width x height, waits for its load, evaluates `evaluate`, saves a screenshot when asked. */
export async function openInChromium(file: string, o: { width?: number; height?: number; evaluate?: string; screenshot?: string } = {}): Promise<PageReport> {
  const profile = tempDir('chromium-profile-');
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', '--disable-quic', `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank'];
  const proc = spawn(chromiumBin(), flags, { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const wsUrl = await new Promise<string>((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`chromium did not start: ${err}`)), 60_000);
      proc.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      proc.on('exit', () => reject(new Error(`chromium exited: ${err}`)));
    });
    const cdp = await connect(wsUrl);
    const report: PageReport = { console: [], exceptions: [], requests: [], value: undefined };
    let loaded!: () => void;
    const load = new Promise<void>((r) => (loaded = r));
    cdp.on((m) => {
      const p = m.params ?? {};
      if (m.method === 'Runtime.consoleAPICalled') report.console.push(`${String(p.type)}: ${((p.args as { value?: unknown; description?: string }[]) ?? []).map((a) => String(a.value ?? a.description)).join(' ')}`);
      if (m.method === 'Runtime.exceptionThrown') report.exceptions.push(JSON.stringify((p.exceptionDetails as { exception?: { description?: string }; text?: string })?.exception?.description ?? p.exceptionDetails));
      if (m.method === 'Log.entryAdded') report.console.push(`${String((p.entry as { level: string }).level)}: ${String((p.entry as { text: string }).text)}`);
      if (m.method === 'Network.requestWillBeSent') report.requests.push(String((p.request as { url: string }).url));
      if (m.method === 'Page.loadEventFired') loaded();
    });
    const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    for (const d of ['Runtime', 'Log', 'Network', 'Page']) await cdp.send(`${d}.enable`, {}, sessionId);
    await cdp.send('Emulation.setDeviceMetricsOverride', { width: o.width ?? 1400, height: o.height ?? 1000, deviceScaleFactor: 1, mobile: false }, sessionId);
    await cdp.send('Page.navigate', { url: `file://${file}` }, sessionId);
    await load;
    await new Promise((r) => setTimeout(r, 300)); // late console messages
    if (o.evaluate) report.value = ((await cdp.send('Runtime.evaluate', { expression: o.evaluate, returnByValue: true }, sessionId)).result as { value: unknown }).value;
    if (o.screenshot) writeFileSync(o.screenshot, Buffer.from(String((await cdp.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true }, sessionId)).data), 'base64'));
    cdp.close();
    return report;
  } finally {
    proc.kill('SIGKILL');
    rmSync(profile, { recursive: true, force: true });
  }
}
