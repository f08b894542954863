// The gateway-api router on the fleet, with the real Gateway API CRDs (the
// upstream standard install, v1.6.3) and the real helm 3 and helm 4: the
// example repository's HTTPRoute, made by its account-route release through
// `helm-cascade apply`, passes `validate --online`; the router moves the free
// and paid weights by server-side apply (field manager helm-cascade, every
// other field as it was, the weights read back from what the server stored,
// two tracks moving at once both land); a weight edited by hand is drift and
// breaks validate --online's sum of 100; a re-plan after the weights are back
// is unchanged.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KubeClients } from '../../src/kube/client.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import { weightDrift } from '../../src/traffic/drift.ts';
import { gatewayApiRouter } from '../../src/traffic/gateway-api.ts';
import { routerRef } from '../../src/traffic/plan.ts';
import type { ReleaseSpec, TrafficSpec } from '../../src/model/spec.ts';
import { loadDeployRepoOrThrow } from '../../src/config/load.ts';
import { cascade, CONTEXTS, helmMajors, kubectl, sharedFleet } from './support/cascade.ts';
import { namespaces } from './support/fleet-state.ts';
import { installGatewayApi } from './support/gateway-api.ts';
import { exampleRepo } from './support/traffic.ts';

const PARIS = CONTEXTS.paris;

interface LiveRoute {
  metadata: { resourceVersion: string; labels?: Record<string, string>; annotations?: Record<string, string>; managedFields?: { manager: string; operation: string; fieldsV1?: unknown }[] };
  spec: { parentRefs: unknown; hostnames: unknown; rules: { matches: unknown; backendRefs: { name: string; weight: number; port: number }[] }[] };
}

const weights = (r: LiveRoute) => r.spec.rules.map((rule) => rule.backendRefs.map((b) => `${b.name.replace(/^account-service-/, '')}=${b.weight}`).join(' '));
/** The route with every weight taken out: what must never change. */
const withoutWeights = (r: LiveRoute) => ({ ...r.spec, rules: r.spec.rules.map((rule) => ({ ...rule, backendRefs: rule.backendRefs.map(({ weight: _w, ...b }) => b) })) });

for (const major of helmMajors()) {
  describe(`gateway-api router on a real HTTPRoute (helm ${major})`, { timeout: 600_000 }, () => {
    let kubeconfig = '';
    const nss = namespaces(`tgw-${major}`, [PARIS], () => kubeconfig);
    let clients: KubeClients;
    let client: KubeClient;

    before(async () => {
      kubeconfig = await sharedFleet();
      await installGatewayApi(kubeconfig, PARIS);
      clients = new KubeClients({ kubeconfig });
      client = clients.for({ name: 'onprem-paris', context: PARIS });
    });
    after(async () => {
      await clients?.close();
      assert.deepEqual(await nss.cleanup(), [], 'namespaces deleted');
    });

    it('moves only the weights by server-side apply, reads them back, and a hand-edited weight is drift', async () => {
      const ns = nss.next();
      const dir = exampleRepo({ ns, edgeNs: ns, clusters: [{ name: 'onprem-paris', context: PARIS }] });
      const run = (args: string[]) => cascade(dir, args, { kubeconfig, helm: major });
      const applied = await run(['apply', '--yes', '-l', 'name=account-route']);
      assert.equal(applied.exitCode, 0, applied.stdout + applied.stderr);
      const online = await run(['validate', '--online']);
      assert.equal(online.exitCode, 0, online.stdout + online.stderr);

      const live = async () => JSON.parse(await kubectl(kubeconfig, PARIS, ['-n', ns, 'get', 'httproute', 'account-service', '-o', 'json', '--show-managed-fields'])) as LiveRoute;
      const before = await live();
      assert.deepEqual(weights(before), ['free=5 production=95', 'internal=100 production=0', 'paid=5 production=95']);

      const rel = loadDeployRepoOrThrow({ clustersFile: `${dir}/clusters.yaml` }).releases.find((r) => r.name === 'account-service') as ReleaseSpec & { traffic: TrafficSpec };
      const ref = routerRef(rel, 'onprem-paris');
      const router = gatewayApiRouter(client, ref as Extract<typeof ref, { kind: 'gateway-api' }>);
      assert.equal(router.name, `HTTPRoute ${ns}/account-service on onprem-paris`);
      assert.deepEqual((await router.read()).map((w) => [w.track, w.weight]), [['free', 5], ['internal', 100], ['paid', 5]]);

      const drained = await router.set({ free: 0 });
      assert.deepEqual(drained.map((w) => [w.track, w.weight, w.where]), [
        ['free', 0, `HTTPRoute ${ns}/account-service rule 1`],
        ['internal', 100, `HTTPRoute ${ns}/account-service rule 2`],
        ['paid', 5, `HTTPRoute ${ns}/account-service rule 3`],
      ]);
      const afterDrain = await live();
      assert.deepEqual(weights(afterDrain), ['free=0 production=100', 'internal=100 production=0', 'paid=5 production=95']);
      assert.deepEqual(withoutWeights(afterDrain), withoutWeights(before), 'parentRefs, hostnames, matches, names and ports untouched');
      assert.deepEqual(afterDrain.metadata.labels, before.metadata.labels);
      assert.deepEqual(afterDrain.metadata.annotations, before.metadata.annotations);
      assert.notEqual(afterDrain.metadata.resourceVersion, before.metadata.resourceVersion);
      const mine = afterDrain.metadata.managedFields?.find((m) => m.manager === 'helm-cascade');
      assert.equal(mine?.operation, 'Apply', JSON.stringify(afterDrain.metadata.managedFields));
      assert.match(JSON.stringify(mine?.fieldsV1), /"f:rules"/);
      assert.doesNotMatch(JSON.stringify(mine?.fieldsV1), /parentRefs|hostnames/, 'helm-cascade owns the rules only');

      // two tracks of one wave moving at once: both land
      await Promise.all([router.set({ free: 2 }), router.set({ paid: 0 })]);
      assert.deepEqual(weights(await live()), ['free=2 production=98', 'internal=100 production=0', 'paid=0 production=100']);
      await router.set({ free: 5, paid: 5 });
      assert.deepEqual(weights(await live()), weights(before));

      const replan = await run(['plan', '--detailed-exitcode', '-l', 'name=account-route']);
      assert.equal(replan.exitCode, 0, `weights back at their final values: the route's release is unchanged\n${replan.stdout}${replan.stderr}`);

      // by hand: FREE -> free 50 / production 95
      await kubectl(kubeconfig, PARIS, ['-n', ns, 'patch', 'httproute', 'account-service', '--type=json', '-p', '[{"op":"replace","path":"/spec/rules/0/backendRefs/0/weight","value":50}]']);
      const drift = weightDrift({ release: 'account-service', cluster: 'onprem-paris', finals: { internal: 100, free: 5, paid: 5 }, readings: await router.read() });
      assert.deepEqual(drift.map((d) => d.message), [`weight of track free is 50, want 5 (HTTPRoute ${ns}/account-service rule 1)`]);
      const broken = await run(['validate', '--online']);
      assert.equal(broken.exitCode, 4, broken.stdout + broken.stderr);
      assert.match(broken.stderr, new RegExp(`releases/account-service.yaml:18:10: traffic.route on cluster "onprem-paris": HTTPRoute ${ns}/account-service rule 1: the weights add up to 145, not 100 \\(account-service-free=50, account-service-production=95\\)`));
    });

    it('validate --online names a route that is not there', async () => {
      const ns = nss.next();
      const dir = exampleRepo({ ns, edgeNs: ns, clusters: [{ name: 'onprem-paris', context: PARIS }] });
      const r = await cascade(dir, ['validate', '--online'], { kubeconfig, helm: major });
      assert.equal(r.exitCode, 4, r.stdout + r.stderr);
      assert.match(r.stderr, new RegExp(`^releases/account-service.yaml:18:10: traffic.route: HTTPRoute ${ns}/account-service not found on cluster "onprem-paris"$`, 'm'));
    });
  });
}
