// The layer order of src/, checked in CI (npm run lint): imports only go
// down. The same order as the README's code map, bottom first; folders on one
// line are siblings and do not import each other.
//
//   errors.ts   files.ts   redact.ts
//   model/
//   policy/
//   config/
//   kube/   helm/   secrets/
//   context/     what a cluster-facing command starts from: the repository loaded, its selection checked, helm and the clients
//   live/        reading live objects and comparing them with deployed manifests (plan and drift)
//   plan/
//   health/
//   traffic/
//   drift/
//   run/
//   report/
//   completion/
//   import/     (ways in: import helmfile, init)
//   commands/
//   cli.ts
const layers = [
  ['^src/errors\\.ts$', '^src/files\\.ts$', '^src/redact\\.ts$'],
  ['^src/model/'],
  ['^src/policy/'],
  ['^src/config/'],
  ['^src/kube/', '^src/helm/', '^src/secrets/'],
  ['^src/context/'],
  ['^src/live/'],
  ['^src/plan/'],
  ['^src/health/'],
  ['^src/traffic/'],
  ['^src/drift/'],
  ['^src/run/'],
  ['^src/report/'],
  ['^src/completion/'],
  ['^src/import/'],
  ['^src/commands/'],
  ['^src/cli\\.ts$'],
];
const name = (p) => p.replace(/[\^$\\]/g, '').replace(/\/$/, '').replace(/^src\//, '');

const forbidden = [
  { name: 'no-circular', severity: 'error', comment: 'a cycle means two modules are one stage', from: { path: '^src/' }, to: { circular: true } },
  { name: 'src-stays-in-src', severity: 'error', comment: 'shipped code never imports tests, the fleet, benchmarks or the demo', from: { path: '^src/' }, to: { path: '^(test|fleet|bench|demo|scripts)/' } },
];
layers.forEach((layer, i) => {
  const above = layers.slice(i + 1).flat();
  for (const from of layer) {
    if (above.length) forbidden.push({ name: `${name(from)}-imports-only-down`, severity: 'error', comment: `${name(from)} may not import a stage above it`, from: { path: from }, to: { path: above.join('|') } });
    const siblings = layer.filter((s) => s !== from);
    if (siblings.length) forbidden.push({ name: `${name(from)}-not-its-siblings`, severity: 'error', comment: `${name(from)} and ${siblings.map(name).join(', ')} are siblings`, from: { path: from }, to: { path: siblings.join('|') } });
  }
});

module.exports = {
  forbidden,
  options: {
    // TypeScript 7 has no JavaScript API; swc parses the sources, and sees type-only imports too.
    parser: 'swc',
    tsPreCompilationDeps: false,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
  },
};
