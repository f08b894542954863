// The Gateway API CRDs of the upstream standard install, for the traffic
// tests: the `config/crd/standard/` folder of the Go module
// sigs.k8s.io/gateway-api (Apache-2.0) at a fixed version, downloaded once
// from the Go module proxy (its checksum checked against the one recorded
// here and by the Go checksum database), cached by version under the
// project's cache like the fleet's binaries. A test that needs
// HTTPRoutes installs the CRDs into its clusters itself (server-side apply:
// the HTTPRoute CRD is too big for kubectl's client-side annotation) and
// waits until they are served.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../../../fleet/binaries.ts';
import { kubectl } from './cascade.ts';

export const GATEWAY_API_VERSION = 'v1.6.3';
/** The module's hash (go.sum's h1:), as the Go checksum database records it. */
const MODULE_SUM = 'h1:lKpJa5bGlraC/QeACvCpsHLdmO6y0iKfzVl6gzaFEYc=';
const MODULE = 'sigs.k8s.io/gateway-api';

const folder = () => join(cacheDir(), `gateway-api-${GATEWAY_API_VERSION}`);

/**
 * The folder of the standard-channel CRDs, downloaded on first use. Go's own
 * module cache is safe for concurrent use (it locks); the copy lands in a
 * temporary folder renamed into place, so two processes at once both end
 * with the same complete folder.
 */
export function gatewayApiCrds(): string {
  const target = folder();
  const done = join(target, 'standard', 'gateway.networking.k8s.io_httproutes.yaml');
  if (existsSync(done)) return join(target, 'standard');
  mkdirSync(cacheDir(), { recursive: true });
  const r = spawnSync('go', ['mod', 'download', '-json', `${MODULE}@${GATEWAY_API_VERSION}`], { cwd: cacheDir(), encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod' } });
  if (r.status !== 0) throw new Error(`go mod download ${MODULE}@${GATEWAY_API_VERSION} failed (needs Go on PATH and the Go module proxy): ${r.stderr || r.error?.message}`);
  const info = JSON.parse(r.stdout) as { Dir?: string; Sum?: string };
  if (info.Sum !== MODULE_SUM) throw new Error(`${MODULE}@${GATEWAY_API_VERSION}: checksum ${info.Sum}, expected ${MODULE_SUM}`);
  const work = mkdtempSync(join(cacheDir(), '.gateway-api-'));
  try {
    cpSync(join(info.Dir!, 'config', 'crd', 'standard'), join(work, 'standard'), { recursive: true });
    cpSync(join(info.Dir!, 'LICENSE'), join(work, 'LICENSE'));
    writeFileSync(join(work, 'SOURCE'), `${MODULE}@${GATEWAY_API_VERSION} (${MODULE_SUM}), config/crd/standard/: https://github.com/kubernetes-sigs/gateway-api/tree/${GATEWAY_API_VERSION}/config/crd/standard (Apache-2.0)\n`);
    spawnSync('chmod', ['-R', 'u+w', work]);
    try {
      renameSync(work, target);
    } catch (err) {
      if (!existsSync(done)) throw err; // another process put it there first
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return join(target, 'standard');
}

/** Installs the standard CRDs into a cluster (idempotent) and waits until HTTPRoutes are served. */
export async function installGatewayApi(kubeconfig: string, context: string): Promise<void> {
  const dir = gatewayApiCrds();
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  await kubectl(kubeconfig, context, ['apply', '--server-side', '--field-manager=helm-cascade-tests', '--force-conflicts', ...files.flatMap((f) => ['-f', join(dir, f)])]);
  await kubectl(kubeconfig, context, ['wait', '--for=condition=Established', '--timeout=60s', 'crd/httproutes.gateway.networking.k8s.io', 'crd/gateways.gateway.networking.k8s.io']);
}
