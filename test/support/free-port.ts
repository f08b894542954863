// A TCP port on 127.0.0.1 that was free a moment ago, for servers that cannot
// bind port 0 and say which they got (nginx); callers retry on a clash.
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
