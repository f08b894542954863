// One cluster's connection, private to kube/ (transport.ts is its user): a
// single HTTP/2 session over TLS, as client-go keeps one, multiplexing every
// request and watch; HTTP/1.1 keep-alive sockets when the server does not
// negotiate h2 (or DISABLE_HTTP2 is set, as client-go reads it). Through the
// kubeconfig's `proxy-url` (http, https: CONNECT; socks5) or, without one,
// $HTTPS_PROXY / $NO_PROXY as Go reads them. TLS as the kubeconfig says:
// its CA (else the system's), `tls-server-name`, `insecure-skip-tls-verify`,
// the client certificate (which an exec plugin may renew: then a new session).
import { createHash } from 'node:crypto';
import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import { connect as h2connect, constants as h2 } from 'node:http2';
import type { ClientHttp2Session } from 'node:http2';
import { createRequire } from 'node:module';
import { connect as netConnect, isIP } from 'node:net';
import type { Socket } from 'node:net';
import type { Duplex, Readable } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type { ConnectionOptions, TLSSocket } from 'node:tls';

// node:http and node:https through require: an ES import of node:http loads
// Node's bundled undici (its WebSocket and fetch exports), 50ms of start-up
// for a module only the HTTP/1.1 fallback and proxies use.
const require = createRequire(import.meta.url);
const http = () => require('node:http') as typeof import('node:http');
const https = () => require('node:https') as typeof import('node:https');

/** Where and how to reach one API server. */
export interface Endpoint {
  server: URL;
  ca?: Buffer;
  insecure: boolean;
  servername?: string;
  /** kubeconfig proxy-url (http, https, socks5, socks5h). */
  proxyUrl?: string;
  /** HTTP/1.1 sockets at most (the HTTP/1.1 fallback). */
  maxSockets: number;
}

/** An HTTP exchange's answer: status, headers, and the body as a stream. */
export interface Exchange {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
  /** Stops the exchange (a watch the caller no longer wants). */
  cancel(): void;
}

export interface ExchangeRequest {
  method: string;
  /** Path and query, after the server's own path prefix. */
  path: string;
  headers: Record<string, string | string[]>;
  body?: Buffer;
  timeoutMs: number;
  cert?: string | Buffer;
  key?: string | Buffer;
}

/** A failure to exchange; `unsent` when the server cannot have acted on the request (safe to retry any method). */
export class ConnectionError extends Error {
  readonly code: string;
  readonly unsent: boolean;
  constructor(message: string, code: string, unsent: boolean) {
    super(message);
    this.code = code;
    this.unsent = unsent;
  }
}

const UNSENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_HTTP2_GOAWAY_SESSION', 'ERR_HTTP2_INVALID_SESSION', 'ERR_HTTP2_SESSION_ERROR', 'PROXY_REFUSED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED']);

function connectionError(err: unknown, unsentHint = false): ConnectionError {
  if (err instanceof ConnectionError) return err;
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? 'ECONN';
  const refused = /REFUSED_STREAM/.test(e?.message ?? '');
  return new ConnectionError(e?.message ?? String(err), code, unsentHint || refused || UNSENT_CODES.has(code));
}

/** Go's ProxyFromEnvironment for an https server: $HTTPS_PROXY unless $NO_PROXY matches; loopback never. */
export function envProxy(server: URL, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const proxy = server.protocol === 'https:' ? (env.HTTPS_PROXY ?? env.https_proxy) : (env.HTTP_PROXY ?? env.http_proxy);
  if (!proxy) return undefined;
  const host = server.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.startsWith('127.') || host === '::1') return undefined;
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const hit = noProxy.some((p) => p === '*' || host === p.replace(/^\./, '') || (!isIP(host) && host.endsWith(p.startsWith('.') ? p : `.${p}`)));
  return hit ? undefined : proxy;
}

function portOf(u: URL): number {
  return Number(u.port || (u.protocol === 'https:' || u.protocol === 'socks5:' || u.protocol === 'socks5h:' ? (u.protocol === 'https:' ? 443 : 1080) : 80));
}

/** A tunnel to the server through an http(s) proxy (CONNECT). */
function connectTunnel(proxy: URL, server: URL, timeoutMs: number): Promise<Socket> {
  const authority = `${server.hostname}:${portOf(server)}`;
  const auth = proxy.username ? { 'proxy-authorization': `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}` } : {};
  const send = proxy.protocol === 'https:' ? https().request : http().request;
  return new Promise((resolve, reject) => {
    const req = send({ host: proxy.hostname, port: portOf(proxy), method: 'CONNECT', path: authority, headers: { host: authority, ...auth }, timeout: timeoutMs });
    req.on('connect', (res: IncomingMessage, socket: Socket) => {
      if (res.statusCode === 200) resolve(socket);
      else {
        socket.destroy();
        reject(new ConnectionError(`proxy ${proxy.host} refused CONNECT ${authority}: HTTP ${res.statusCode}`, 'PROXY_REFUSED', true));
      }
    });
    req.on('timeout', () => req.destroy(new ConnectionError(`proxy ${proxy.host}: no answer in ${timeoutMs}ms`, 'ETIMEDOUT', true)));
    req.on('error', (err) => reject(connectionError(err, true)));
    req.end();
  });
}

/** A socket to the server, through the proxy if there is one. */
async function rawSocket(ep: Endpoint, timeoutMs: number): Promise<Socket> {
  const proxyUrl = ep.proxyUrl ?? envProxy(ep.server);
  if (proxyUrl) {
    const proxy = new URL(proxyUrl);
    if (proxy.protocol.startsWith('socks')) {
      const { SocksClient } = await import('socks');
      const { socket } = await SocksClient.createConnection({
        proxy: { host: proxy.hostname, port: portOf(proxy), type: proxy.protocol.startsWith('socks4') ? 4 : 5, ...(proxy.username ? { userId: decodeURIComponent(proxy.username), password: decodeURIComponent(proxy.password) } : {}) },
        command: 'connect',
        destination: { host: ep.server.hostname.replace(/^\[|\]$/g, ''), port: portOf(ep.server) },
        timeout: timeoutMs,
      }).catch((err: unknown) => Promise.reject(connectionError(err, true)));
      return socket;
    }
    return connectTunnel(proxy, ep.server, timeoutMs);
  }
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: ep.server.hostname.replace(/^\[|\]$/g, ''), port: portOf(ep.server), timeout: timeoutMs });
    s.once('connect', () => {
      s.setTimeout(0);
      resolve(s);
    });
    s.once('timeout', () => s.destroy(new ConnectionError(`connect to ${ep.server.host}: no answer in ${timeoutMs}ms`, 'ETIMEDOUT', true)));
    s.once('error', (err) => reject(connectionError(err, true)));
  });
}

/** TLS as the kubeconfig says; the certificate is checked against tls-server-name when given, else the server's host (an IP: its IP SANs, no SNI). */
function tlsOptions(ep: Endpoint, cert: ExchangeRequest['cert'], key: ExchangeRequest['key']): ConnectionOptions {
  const host = ep.server.hostname.replace(/^\[|\]$/g, '');
  const servername = ep.servername ?? (isIP(host) ? undefined : host);
  return { host, ...(ep.ca ? { ca: ep.ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), ...(servername ? { servername } : {}), rejectUnauthorized: !ep.insecure };
}

/** A TLS socket to the server offering `alpn`. */
async function tlsSocket(ep: Endpoint, r: Pick<ExchangeRequest, 'cert' | 'key'>, alpn: string[], timeoutMs: number): Promise<TLSSocket> {
  const socket = await rawSocket(ep, timeoutMs);
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ socket, ALPNProtocols: alpn, ...tlsOptions(ep, r.cert, r.key) });
    const timer = setTimeout(() => s.destroy(new ConnectionError(`TLS handshake with ${ep.server.host}: no answer in ${timeoutMs}ms`, 'ETIMEDOUT', true)), timeoutMs);
    s.once('secureConnect', () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      reject(connectionError(err, true));
    });
  });
}

const identity = (r: Pick<ExchangeRequest, 'cert' | 'key'>) => (r.cert ? createHash('sha256').update(r.cert).update(r.key ?? '').digest('hex') : '');

/** HTTP/2 session health: a PING when idle this long, and the session is dropped if it is not answered in PING_TIMEOUT_MS (client-go: 30s / 15s). */
const PING_EVERY_MS = 30_000;
const PING_TIMEOUT_MS = 15_000;

interface Session {
  id: string;
  session: ClientHttp2Session;
}

/** One cluster's connection (see the header). */
export class Connection {
  readonly #ep: Endpoint;
  #mode: 'h2' | 'h1' | undefined;
  #session: Promise<Session | undefined> | undefined;
  #agent: { id: string; agent: HttpAgent } | undefined;
  readonly #sockets = new WeakSet<Socket>();
  /** Sessions and sockets ever opened (for --verbose and the benchmarks). */
  connections = 0;

  constructor(ep: Endpoint, o: { http2?: boolean } = {}) {
    this.#ep = ep;
    if (o.http2 === false || ep.server.protocol === 'http:') this.#mode = 'h1';
  }

  async exchange(r: ExchangeRequest): Promise<Exchange> {
    if (this.#mode !== 'h1') {
      const s = await this.#h2(r);
      if (s) return this.#h2Exchange(s, r);
    }
    return this.#h1Exchange(r);
  }

  /** The session for these credentials (a new one when the client certificate changed); undefined once the server chose HTTP/1.1. */
  async #h2(r: ExchangeRequest): Promise<Session | undefined> {
    const id = identity(r);
    const current = this.#session;
    if (current) {
      const s = await current.catch(() => undefined);
      if (s && s.id === id && !s.session.closed && !s.session.destroyed) return s;
      if (s && s.id !== id) s.session.close();
      if (this.#session === current) this.#session = undefined;
    }
    const opening = (this.#session ??= this.#openH2(id, r));
    opening.then((s) => s === undefined && this.#session === opening && (this.#session = undefined), () => this.#session === opening && (this.#session = undefined));
    return opening;
  }

  /** A new session; undefined when the server does not speak h2 (then HTTP/1.1 from now on). */
  async #openH2(id: string, r: ExchangeRequest): Promise<Session | undefined> {
    const socket = await tlsSocket(this.#ep, r, ['h2', 'http/1.1'], Math.min(r.timeoutMs, 30_000));
    this.connections++;
    if (socket.alpnProtocol !== 'h2') {
      socket.destroy();
      this.#mode = 'h1';
      return undefined;
    }
    const session = h2connect(this.#ep.server.origin, { createConnection: () => socket as Duplex, settings: { initialWindowSize: 4 << 20 } });
    session.on('error', () => undefined); // each stream reports its own failure
    session.once('connect', () => session.setLocalWindowSize(16 << 20));
    const entry: Session = { id, session };
    const ping = setInterval(() => {
      if (session.closed || session.destroyed) return clearInterval(ping);
      const timer = setTimeout(() => session.destroy(new Error('HTTP/2 PING unanswered')), PING_TIMEOUT_MS).unref();
      session.ping((err) => {
        clearTimeout(timer);
        if (err) session.destroy(err);
      });
    }, PING_EVERY_MS).unref();
    const drop = () => {
      clearInterval(ping);
      void this.#session?.then((s) => s === entry && (this.#session = undefined), () => undefined);
    };
    session.once('close', drop);
    session.once('goaway', drop);
    return entry;
  }

  #h2Exchange({ session }: Session, r: ExchangeRequest): Promise<Exchange> {
    return new Promise((resolve, reject) => {
      let stream;
      try {
        stream = session.request({ ':method': r.method, ':path': r.path, ...r.headers }, { endStream: !r.body });
      } catch (err) {
        reject(connectionError(err, true));
        return;
      }
      const s = stream;
      let answered = false;
      // an idle timeout: no answer, or a body that stalls, ends the stream with an error
      s.setTimeout(r.timeoutMs, () => s.destroy(new ConnectionError(`${r.method} ${r.path}: ${answered ? 'the answer stalled' : 'no answer'} for ${r.timeoutMs}ms`, 'ETIMEDOUT', false)));
      s.on('error', (err) => !answered && reject(connectionError(err)));
      s.once('close', () => {
        if (answered) return;
        const refused = s.rstCode === h2.NGHTTP2_REFUSED_STREAM;
        reject(new ConnectionError(`${r.method} ${r.path}: the stream closed before an answer (code ${s.rstCode})`, refused ? 'REFUSED_STREAM' : 'ECONNRESET', refused));
      });
      s.once('response', (headers) => {
        answered = true;
        const { ':status': status, ...rest } = headers;
        resolve({ status: Number(status), headers: rest as Exchange['headers'], body: s, cancel: () => s.close(h2.NGHTTP2_CANCEL) });
      });
      if (r.body) s.end(r.body);
    });
  }

  #h1Agent(r: ExchangeRequest): HttpAgent {
    const id = identity(r);
    if (this.#agent?.id === id) return this.#agent.agent;
    this.#agent?.agent.destroy();
    const ep = this.#ep;
    const secure = ep.server.protocol === 'https:';
    const agent = secure ? new (https().Agent)({ keepAlive: true, maxSockets: ep.maxSockets, ...tlsOptions(ep, r.cert, r.key) }) : new (http().Agent)({ keepAlive: true, maxSockets: ep.maxSockets });
    if (ep.proxyUrl ?? envProxy(ep.server)) {
      // every socket through the proxy tunnel, TLS on top
      (agent as unknown as { createConnection: (o: unknown, cb: (err: Error | null, s?: Duplex) => void) => void }).createConnection = (_o, cb) => {
        (secure ? tlsSocket(ep, r, ['http/1.1'], r.timeoutMs) : rawSocket(ep, r.timeoutMs)).then((s) => cb(null, s), (err: Error) => cb(err));
      };
    }
    this.#agent = { id, agent };
    return agent;
  }

  #h1Exchange(r: ExchangeRequest): Promise<Exchange> {
    const ep = this.#ep;
    const send = ep.server.protocol === 'https:' ? https().request : http().request;
    return new Promise((resolve, reject) => {
      const req = send({ agent: this.#h1Agent(r), host: ep.server.hostname.replace(/^\[|\]$/g, ''), port: portOf(ep.server), method: r.method, path: r.path, headers: r.headers, timeout: r.timeoutMs });
      req.once('socket', (s: Socket) => {
        if (this.#sockets.has(s)) return;
        this.#sockets.add(s);
        this.connections++;
      });
      req.once('timeout', () => req.destroy(new ConnectionError(`${r.method} ${r.path}: no answer in ${r.timeoutMs}ms`, 'ETIMEDOUT', false)));
      req.once('error', (err) => reject(connectionError(err)));
      req.once('response', (res: IncomingMessage) => {
        req.setTimeout(0);
        res.setTimeout(r.timeoutMs, () => res.destroy(new ConnectionError(`${r.method} ${r.path}: the answer stalled`, 'ETIMEDOUT', false)));
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, cancel: () => req.destroy() });
      });
      req.end(r.body);
    });
  }

  /** Closes the session and sockets (in-flight exchanges end with an error). */
  close(): void {
    void this.#session?.then((s) => s?.session.destroy(), () => undefined);
    this.#session = undefined;
    this.#agent?.agent.destroy();
    this.#agent = undefined;
  }
}
