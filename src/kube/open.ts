// Opening a cluster's transport from its kubeconfig context: where the server
// is, its TLS settings, the user's credentials, the limits. No connection is
// made here: the first request makes it.
import { readFileSync } from 'node:fs';
import { PreflightError } from '../errors.ts';
import type { KubeTarget } from '../model/identity.ts';
import { IN_CLUSTER_CONTEXT } from '../model/identity.ts';
import { credentialsOf } from './auth.ts';
import { Connection } from './connection.ts';
import { inClusterUnavailable } from './in-cluster.ts';
import { contextAccess } from './kubeconfig.ts';
import type { ContextAccess, Kubeconfig } from './kubeconfig.ts';
import { DEFAULT_API_LIMITS, NativeTransport } from './transport.ts';
import type { ApiLimits, Transport } from './transport.ts';

const VERSION = '0.1.0';

/** The limits of a cluster: its own `api:`, then the file's, then kubectl's defaults; each a positive number. */
export function apiLimits(given: Partial<ApiLimits>): ApiLimits {
  const pick = (k: keyof ApiLimits) => {
    const v = given[k];
    return typeof v === 'number' && v > 0 ? v : DEFAULT_API_LIMITS[k];
  };
  return { qps: pick('qps'), burst: Math.max(1, Math.round(pick('burst'))), concurrency: Math.max(1, Math.round(pick('concurrency'))) };
}

function caOf(a: ContextAccess, where: string): Buffer | undefined {
  const c = a.cluster;
  if (c['certificate-authority-data']) return Buffer.from(c['certificate-authority-data'], 'base64');
  if (!c['certificate-authority']) return undefined;
  try {
    return readFileSync(c['certificate-authority']);
  } catch (err) {
    throw new PreflightError(`${where}: cannot read the kubeconfig's certificate-authority ${c['certificate-authority']}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export interface OpenTransportOptions {
  target: KubeTarget;
  kubeconfig: () => Kubeconfig;
  limits: Partial<ApiLimits>;
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** The native transport of one cluster (see transport.ts). Errors name the cluster: a PreflightError (exit 5). */
export async function openTransport(o: OpenTransportOptions): Promise<Transport> {
  const { target } = o;
  const where = `cluster "${target.cluster}" (context "${target.context}")`;
  const env = o.env ?? process.env;
  if (target.context === IN_CLUSTER_CONTEXT && !o.kubeconfig().contexts.has(IN_CLUSTER_CONTEXT)) {
    throw new PreflightError(`${where} is reached with the pod's service account, which is not available here: ${inClusterUnavailable(env) ?? 'no in-cluster kubeconfig'}`);
  }
  const a = contextAccess(o.kubeconfig(), target.context, where);
  const limits = apiLimits(o.limits);
  const ca = caOf(a, where);
  const credentials = await credentialsOf(a, where);
  const connection = new Connection(
    { server: a.server, ...(ca ? { ca } : {}), insecure: a.cluster['insecure-skip-tls-verify'] === true, ...(a.cluster['tls-server-name'] ? { servername: a.cluster['tls-server-name'] } : {}), ...(a.cluster['proxy-url'] ? { proxyUrl: a.cluster['proxy-url'] } : {}), maxSockets: limits.concurrency },
    { http2: !env.DISABLE_HTTP2 },
  );
  return new NativeTransport({
    where,
    connection,
    credentials,
    prefix: a.server.pathname.replace(/\/+$/, ''),
    limits,
    compression: a.cluster['disable-compression'] !== true,
    userAgent: `helm-cascade/${VERSION} (${process.platform}/${process.arch}) node/${process.versions.node}`,
    ...(o.log ? { log: o.log } : {}),
  });
}
