// A local Slack-compatible webhook on 127.0.0.1 that records every body it receives.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Webhook {
  url: string;
  got: string[];
  close: () => void;
}

export async function startWebhook(): Promise<Webhook> {
  const got: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push(body);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/T0/B0/token`, got, close: () => server.close() };
}
