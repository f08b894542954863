// pretest: installs the Debian packages the test suite runs for real
// (docker-registry: an OCI registry for chart tests; chromium: renders the
// HTML drift report; libxml2-utils: xmllint validates JUnit reports against
// Jenkins' junit-10.xsd; gpg: signs a plugin archive's provenance for Helm 4;
// prometheus-pushgateway: receives drift's pushed metrics; prometheus: a real
// Prometheus server the prometheus health gate is tested against, scraping an
// exporter the test controls; haproxy: runs the haproxy.cfg a traffic router
// release rendered, so the split of real requests can be measured; zsh and
// fish: the completion scripts run in the real shells; nginx: a WebDAV server
// for the drift chart's uploads).
// Runs apt-get only when one is missing and we are root.
// Also a Java runtime: npm-groovy-lint and the Jenkinsfile structure check run
// on it. Tests never skip when one is missing: they fail naming it (the skip
// policy, test/support/skip-policy.ts).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const wanted = [
  { pkg: 'default-jre-headless', bin: '/usr/bin/java' },
  { pkg: 'docker-registry', bin: '/usr/bin/docker-registry' },
  { pkg: 'chromium', bin: '/usr/bin/chromium' },
  { pkg: 'libxml2-utils', bin: '/usr/bin/xmllint' },
  { pkg: 'gpg', bin: '/usr/bin/gpg' },
  { pkg: 'prometheus-pushgateway', bin: '/usr/bin/prometheus-pushgateway' },
  { pkg: 'prometheus', bin: '/usr/bin/prometheus' },
  { pkg: 'haproxy', bin: '/usr/sbin/haproxy' }, // the helm-values traffic router's rendered haproxy.cfg, routing real requests (test/e2e/traffic-*.test.ts)
  // in the machine image today; named so a leaner machine still gets them
  { pkg: 'tmux', bin: '/usr/bin/tmux' }, // the listr2 view read off a real terminal (test/e2e/tty-view.test.ts)
  { pkg: 'iproute2', bin: '/usr/bin/ss' }, // the Prometheus test reads the port it bound (test/e2e/gates-extra.test.ts)
  { pkg: 'zsh', bin: '/usr/bin/zsh' }, // `completion zsh` in a real zsh (test/cli/completion.test.ts)
  { pkg: 'fish', bin: '/usr/bin/fish' }, // `completion fish` in a real fish (test/cli/completion.test.ts)
  { pkg: 'nginx', bin: '/usr/sbin/nginx' }, // a WebDAV server (its dav module) the drift chart uploads reports to (test/support/webdav.ts)
  { pkg: 'openssl', bin: '/usr/bin/openssl' }, // the fleet's client CA and client certificates (fleet/fleet-api.ts)
];
const missing = wanted.filter((w) => !existsSync(w.bin)).map((w) => w.pkg);
if (missing.length === 0) process.exit(0);
if (process.getuid?.() !== 0) {
  console.error(`helm-cascade tests need Debian packages: ${missing.join(' ')}. Install them: sudo apt-get install -y ${missing.join(' ')}`);
  process.exit(1);
}
console.log(`installing ${missing.join(', ')} (apt-get)`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
