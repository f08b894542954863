// Flags -> typed options (src/commands/options.ts), in process: each command's
// options from the flags commander hands over, every default, and the exact
// UsageError (exit 4) for each bad value. (Value flags checked by real helm:
// inputs.test.ts; the same flags through the binary: test/cli/.)
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  applyOptions,
  cacheFlags,
  driftOptions,
  importOptions,
  initOptions,
  planOptions,
  renderConcurrency,
  reportOptions,
  rollbackOptions,
  runConcurrency,
  statusOptions,
  urlShown,
  validateOptions,
} from '../../../src/commands/options.ts';
import type { ClusterOptions } from '../../../src/commands/options.ts';
import { UsageError } from '../../../src/errors.ts';
import { redactor } from '../../../src/redact.ts';
import { tempDir } from '../../support/tmp.ts';

const dir = tempDir('hc-options-');

/** The environment variables options.ts reads: cleared before each test, restored after. */
const ENV_READ = ['CI', 'NO_COLOR', 'HELM_CASCADE_NOTIFY_URL', 'HELM_CASCADE_PUSHGATEWAY_URL', 'HELM_CASCADE_MAX_SET_DEPTH', 'HELM_BIN'] as const;
let savedEnv: Record<string, string | undefined> = {};
const savedTTY = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');

beforeEach(() => {
  savedEnv = Object.fromEntries(ENV_READ.map((k) => [k, process.env[k]]));
  for (const k of ENV_READ) delete process.env[k];
  setTTY(undefined);
});

afterEach(() => {
  for (const k of ENV_READ) {
    const v = savedEnv[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  if (savedTTY) Object.defineProperty(process.stdout, 'isTTY', savedTTY);
  else delete (process.stdout as { isTTY?: boolean }).isTTY;
});

function setTTY(v: boolean | undefined): void {
  Object.defineProperty(process.stdout, 'isTTY', { value: v, configurable: true, writable: true });
}

/** A UsageError with exactly this message. */
const usage = (message: string) => (e: unknown) => {
  assert.ok(e instanceof UsageError, `expected a UsageError, got ${String(e)}`);
  assert.equal(e.message, message);
  return true;
};

/** What commander hands over when no flag is given (the flags with defaults). */
const COMMANDER_DEFAULTS = { clusters: './clusters.yaml', output: 'text', color: true };

const REPO_DEFAULTS = { clustersFile: './clusters.yaml', releasesDir: undefined, allowRoots: [], output: 'text', color: false, verbose: false };
const CLUSTER_DEFAULTS = { ...REPO_DEFAULTS, selector: {}, kubeconfig: undefined, helmBin: undefined, concurrency: undefined };
const CACHE_DEFAULTS = { cacheDir: undefined, renderAll: false, forceNondeterministic: false };
const NO_VALUE_FLAGS = { values: [], set: [], setString: [], setFile: [], setJson: [], setLiteral: [] };
const RENDER_DEFAULTS = { ...CLUSTER_DEFAULTS, ...CACHE_DEFAULTS, valueFlags: NO_VALUE_FLAGS, wave: undefined, prune: false, liveDrift: true };

describe('the flags every command shares', () => {
  it('defaults: ./clusters.yaml, releases beside it, no extra roots, text, no colour off a TTY, not verbose', () => {
    assert.deepEqual(validateOptions({}), { ...REPO_DEFAULTS, online: false, strict: false, kubeconfig: undefined, helmBin: undefined });
    assert.deepEqual(validateOptions(COMMANDER_DEFAULTS), { ...REPO_DEFAULTS, online: false, strict: false, kubeconfig: undefined, helmBin: undefined });
  });

  it('each flag given lands in its field', () => {
    const raw = { clusters: 'deploy/clusters.yaml', releases: 'deploy/rel', allowRoot: ['/shared/values', '/charts'], output: 'json', color: true, verbose: true, online: true, strict: true, kubeconfig: '/k/config', helm: '/bin/helm4' };
    assert.deepEqual(validateOptions(raw), {
      clustersFile: 'deploy/clusters.yaml',
      releasesDir: 'deploy/rel',
      allowRoots: ['/shared/values', '/charts'],
      output: 'json',
      color: false,
      verbose: true,
      online: true,
      strict: true,
      kubeconfig: '/k/config',
      helmBin: '/bin/helm4',
    });
  });

  it('a value that is not a string (a bare flag, a number) counts as not given', () => {
    const o = statusOptions({ clusters: true, releases: 3, kubeconfig: true, helm: false, output: 'yaml', verbose: 'yes' });
    assert.deepEqual(o, CLUSTER_DEFAULTS);
  });

  it('colour: only on a TTY, without --no-color and without NO_COLOR', () => {
    setTTY(true);
    assert.equal(validateOptions(COMMANDER_DEFAULTS).color, true);
    assert.equal(validateOptions({}).color, true);
    assert.equal(validateOptions({ ...COMMANDER_DEFAULTS, color: false }).color, false);
    process.env.NO_COLOR = '1';
    assert.equal(validateOptions(COMMANDER_DEFAULTS).color, false);
    assert.equal(validateOptions({ ...COMMANDER_DEFAULTS, color: false }).color, false);
    delete process.env.NO_COLOR;
    setTTY(false);
    assert.equal(validateOptions(COMMANDER_DEFAULTS).color, false);
    setTTY(undefined);
    assert.equal(validateOptions(COMMANDER_DEFAULTS).color, false);
  });
});

describe('selectors and --concurrency', () => {
  it('-l is parsed into the selector', () => {
    assert.deepEqual(statusOptions({ selector: 'name=api,cluster=gke-*' }).selector, { name: 'api', cluster: 'gke-*' });
  });

  it('a bad -l is a UsageError with the selector parser message', () => {
    assert.throws(() => statusOptions({ selector: 'app=api' }), usage('bad selector "app=api": expected name=, track=, cluster= or namespace= (e.g. -l name=api,cluster=gke-*)'));
    assert.throws(() => rollbackOptions({ selector: 'name=' }), usage('bad selector "name=": empty value'));
  });

  it('--concurrency: a positive whole number', () => {
    assert.equal(statusOptions({ concurrency: '8' }).concurrency, 8);
    assert.equal(statusOptions({ concurrency: '1' }).concurrency, 1);
    assert.equal(statusOptions({ concurrency: '2' }).concurrency, 2);
    for (const bad of ['0', '-3', '1.5', '0.5', 'many', '']) {
      assert.throws(() => statusOptions({ concurrency: bad }), usage(`--concurrency must be a positive whole number, got "${bad}"`));
    }
  });

  it('renders: one per core unless --concurrency; helm and kube calls: 4 x cores unless --concurrency', () => {
    const cores = availableParallelism();
    const none = statusOptions({});
    assert.equal(renderConcurrency(none), cores);
    assert.equal(runConcurrency(none), 4 * cores);
    const given: ClusterOptions = statusOptions({ concurrency: '1000' });
    assert.equal(renderConcurrency(given), 1000);
    assert.equal(runConcurrency(given), 1000);
  });
});

describe('status and rollback', () => {
  it('status: the cluster flags only', () => {
    assert.deepEqual(statusOptions(COMMANDER_DEFAULTS), CLUSTER_DEFAULTS);
    assert.deepEqual(statusOptions({ ...COMMANDER_DEFAULTS, selector: 'name=api', kubeconfig: 'kc', helm: 'h', concurrency: '3', releases: 'r' }), {
      ...CLUSTER_DEFAULTS,
      releasesDir: 'r',
      selector: { name: 'api' },
      kubeconfig: 'kc',
      helmBin: 'h',
      concurrency: 3,
    });
  });

  it('rollback: --wave, --run, --lock-timeout (default 0: refuse at once), --log', () => {
    assert.deepEqual(rollbackOptions(COMMANDER_DEFAULTS), { ...CLUSTER_DEFAULTS, wave: undefined, run: undefined, lockTimeoutMs: 0, logFile: undefined });
    assert.deepEqual(rollbackOptions({ ...COMMANDER_DEFAULTS, wave: 'canary', run: '20261122T020241Z', lockTimeout: '1h30m', log: 'run.jsonl' }), {
      ...CLUSTER_DEFAULTS,
      wave: 'canary',
      run: '20261122T020241Z',
      lockTimeoutMs: 90 * 60_000,
      logFile: 'run.jsonl',
    });
  });

  it('a --lock-timeout that is no duration is refused', () => {
    assert.throws(() => rollbackOptions({ lockTimeout: 'soon' }), usage('--lock-timeout "soon": not a duration (write e.g. 30s, 5m, 1h30m)'));
  });
});

describe('report', () => {
  it('--format defaults to html, --out to standard output', () => {
    assert.deepEqual(reportOptions(['a.jsonl', 'b.jsonl'], {}), { logs: ['a.jsonl', 'b.jsonl'], format: 'html', out: undefined });
  });

  it('each of the five formats, and --out', () => {
    for (const format of ['html', 'json', 'junit', 'markdown', 'text'] as const) {
      assert.deepEqual(reportOptions(['run.jsonl'], { format, out: 'r.out' }), { logs: ['run.jsonl'], format, out: 'r.out' });
    }
  });

  it('any other format is refused, naming the five', () => {
    for (const format of ['xml', '', 'HTML']) {
      assert.throws(() => reportOptions(['run.jsonl'], { format }), usage(`--format "${format}": expected html, json, junit, markdown or text`));
    }
  });
});

describe('import', () => {
  it('import helmfile: source ., no environments, --out deploy, not partial, text', () => {
    assert.deepEqual(importOptions({}, ['helmfile']), { source: '.', environments: [], out: 'deploy', partial: false, currentContext: undefined, output: 'text' });
  });

  it('each flag given lands in its field', () => {
    const raw = { environment: ['staging', 'production'], out: '../deploy', partial: true, currentContext: 'kind-dev', output: 'json' };
    assert.deepEqual(importOptions(raw, ['helmfile', 'helmfile.d/']), { source: 'helmfile.d/', environments: ['staging', 'production'], out: '../deploy', partial: true, currentContext: 'kind-dev', output: 'json' });
  });

  it('an unknown source kind, or an empty environment name, is refused', () => {
    assert.throws(() => importOptions({}, ['kustomize', '.']), usage('import: unknown source kind "kustomize" (helm-cascade import helmfile [FILE|DIR])'));
    assert.throws(() => importOptions({}, []), usage('import: unknown source kind "undefined" (helm-cascade import helmfile [FILE|DIR])'));
    assert.throws(() => importOptions({ environment: ['prod', '  '] }, ['helmfile']), usage('-e/--environment: an environment name is empty'));
    assert.throws(() => importOptions({ environment: [''] }, ['helmfile']), usage('-e/--environment: an environment name is empty'));
  });
});

describe('init', () => {
  it('defaults: the current folder, no kubeconfig, no contexts, no providers, not yes, text', () => {
    assert.deepEqual(initOptions({}, []), { dir: '.', fromKubeconfig: false, kubeconfig: undefined, contexts: [], providers: {}, yes: false, output: 'text' });
  });

  it('each flag given lands in its field; --provider CONTEXT=PROVIDER split at the first =', () => {
    const raw = { fromKubeconfig: true, kubeconfig: '/k', context: ['gke_shop_europe-west1_prod', 'kind-dev'], provider: ['gke_shop_europe-west1_prod=gke', 'kind-dev=kind=local', 'a=b'], yes: true, output: 'json' };
    assert.deepEqual(initOptions(raw, ['deploy']), {
      dir: 'deploy',
      fromKubeconfig: true,
      kubeconfig: '/k',
      contexts: ['gke_shop_europe-west1_prod', 'kind-dev'],
      providers: { 'gke_shop_europe-west1_prod': 'gke', 'kind-dev': 'kind=local', a: 'b' },
      yes: true,
      output: 'json',
    });
  });

  it('a --provider without a context, a provider or an = is refused', () => {
    for (const p of ['=gke', 'ctx=', 'gke', '=']) {
      assert.throws(() => initOptions({ provider: [p] }, []), usage(`--provider "${p}": write CONTEXT=PROVIDER (e.g. gke_proj_europe-west1_main=gke)`));
    }
  });

  it('CI set counts as --yes; an empty CI does not', () => {
    process.env.CI = 'true';
    assert.equal(initOptions({}, []).yes, true);
    process.env.CI = '';
    assert.equal(initOptions({}, []).yes, false);
    assert.equal(initOptions({ yes: true }, []).yes, true);
  });
});

describe('plan', () => {
  it('defaults: no value flags, every wave, no prune, live drift considered, no cache flags', async () => {
    assert.deepEqual(await planOptions(COMMANDER_DEFAULTS), { ...RENDER_DEFAULTS, out: undefined, explain: false, detailedExitcode: false });
  });

  it('each flag given lands in its field', async () => {
    const out = join(dir, 'plan.json');
    const raw = { ...COMMANDER_DEFAULTS, wave: 'canary', prune: true, ignoreLiveDrift: true, cacheDir: '/cache', renderAll: true, forceNondeterministic: true, out, explain: true, detailedExitcode: true };
    assert.deepEqual(await planOptions(raw), {
      ...RENDER_DEFAULTS,
      cacheDir: '/cache',
      renderAll: true,
      forceNondeterministic: true,
      wave: 'canary',
      prune: true,
      liveDrift: false,
      out,
      explain: true,
      detailedExitcode: true,
    });
  });

  it('--out: its folder must exist and be a folder', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    await assert.rejects(planOptions({ out: join(file, 'plan.json') }), usage(`--out ${JSON.stringify(join(file, 'plan.json'))}: the folder ${JSON.stringify(file)} does not exist`));
    await assert.rejects(planOptions({ out: 'no-such-folder-hc/plan.json' }), usage('--out "no-such-folder-hc/plan.json": the folder "no-such-folder-hc" does not exist'));
    assert.equal((await planOptions({ out: 'plan.json' })).out, 'plan.json');
  });

  it('--verbose lists the helm calls that check the value flags on standard error', async () => {
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      await assert.rejects(planOptions({ set: ['a=1'], helm: '/nonexistent/helm', verbose: true }), usage('helm binary "/nonexistent/helm" not found'));
      assert.equal(lines.length, 1);
      assert.match(lines[0]!, /^» \/nonexistent\/helm template \S+ .*\n$/);
      lines.length = 0;
      await assert.rejects(applyOptions({ set: ['a=1'], helm: '/nonexistent/helm', verbose: true }), usage('helm binary "/nonexistent/helm" not found'));
      assert.equal(lines.length, 1);
      assert.match(lines[0]!, /^» \/nonexistent\/helm template /);
      lines.length = 0;
      await assert.rejects(planOptions({ set: ['a=1'], helm: '/nonexistent/helm' }), usage('helm binary "/nonexistent/helm" not found'));
      assert.deepEqual(lines, []);
    } finally {
      process.stderr.write = write;
    }
  });
});

describe('--set key depth', () => {
  const deep = (n: number) => Array.from({ length: n }, (_, i) => `k${i}`).join('.');

  it('a key path deeper than 30 keys is refused before helm is called, naming the flag', async () => {
    for (const [flag, key] of [['set', 'set'], ['set-string', 'setString'], ['set-file', 'setFile'], ['set-json', 'setJson'], ['set-literal', 'setLiteral']] as const) {
      await assert.rejects(planOptions({ [key]: ['a=1', `${deep(31)}=1`], helm: '/nonexistent/helm' }), usage(`--${flag}: a key path 31 keys deep, over the limit of 30 (HELM_CASCADE_MAX_SET_DEPTH)`));
    }
    await assert.rejects(applyOptions({ set: [`${deep(40)}=1`], helm: '/nonexistent/helm' }), usage('--set: a key path 40 keys deep, over the limit of 30 (HELM_CASCADE_MAX_SET_DEPTH)'));
  });

  it('30 keys is within the limit (helm is asked next); HELM_CASCADE_MAX_SET_DEPTH sets the limit', async () => {
    await assert.rejects(planOptions({ set: [`${deep(30)}=1`], helm: '/nonexistent/helm' }), usage('helm binary "/nonexistent/helm" not found'));
    process.env.HELM_CASCADE_MAX_SET_DEPTH = '2';
    await assert.rejects(planOptions({ setJson: ['a.b.c={}'], helm: '/nonexistent/helm' }), usage('--set-json: a key path 3 keys deep, over the limit of 2 (HELM_CASCADE_MAX_SET_DEPTH)'));
  });
});

describe('apply', () => {
  it('defaults: no consent without --yes or CI, a lock refused at once, no shard', async () => {
    assert.deepEqual(await applyOptions(COMMANDER_DEFAULTS), {
      ...RENDER_DEFAULTS,
      yes: false,
      junit: undefined,
      dryRun: false,
      planFile: undefined,
      fromWave: undefined,
      shard: undefined,
      recover: false,
      lockTimeoutMs: 0,
      logFile: undefined,
    });
  });

  it('each flag given lands in its field; --shard i/n of the --wave', async () => {
    const plan = join(dir, 'saved-plan.json');
    writeFileSync(plan, JSON.stringify({ version: 1, waves: [], orphans: [] }));
    const junit = join(dir, 'apply.xml');
    const raw = { ...COMMANDER_DEFAULTS, yes: true, junit, dryRun: true, plan, wave: 'canary', shard: '2/4', recover: true, lockTimeout: '10m', log: 'run.jsonl', prune: true };
    assert.deepEqual(await applyOptions(raw), {
      ...RENDER_DEFAULTS,
      wave: 'canary',
      prune: true,
      yes: true,
      junit,
      dryRun: true,
      planFile: plan,
      fromWave: undefined,
      shard: { index: 2, count: 4 },
      recover: true,
      lockTimeoutMs: 600_000,
      logFile: 'run.jsonl',
    });
    assert.equal((await applyOptions({ fromWave: 'production' })).fromWave, 'production');
  });

  it('--yes or a non-empty CI is consent', async () => {
    assert.equal((await applyOptions({ yes: true })).yes, true);
    process.env.CI = 'true';
    assert.equal((await applyOptions({})).yes, true);
    assert.equal((await applyOptions({ yes: true })).yes, true);
    process.env.CI = '';
    assert.equal((await applyOptions({})).yes, false);
  });

  it('--wave alone and --from-wave alone are fine; together refused, naming both', async () => {
    assert.equal((await applyOptions({ wave: 'canary' })).wave, 'canary');
    await assert.rejects(
      applyOptions({ wave: 'canary', fromWave: 'production' }),
      usage('--wave "canary" and --from-wave "production" cannot be combined: --wave runs that one wave, --from-wave that wave and every later one; give one of them'),
    );
  });

  it('a bad --lock-timeout, a missing --plan file, a --shard without --wave: each refused', async () => {
    await assert.rejects(applyOptions({ lockTimeout: '10 minutes' }), usage('--lock-timeout "10 minutes": not a duration (write e.g. 30s, 5m, 1h30m)'));
    const missing = join(dir, 'missing-plan.json');
    await assert.rejects(applyOptions({ plan: missing }), usage(`--plan ${missing}: file not found`));
    await assert.rejects(applyOptions({ shard: '1/2' }), usage('--shard 1/2 needs --wave: a shard is a share of one wave (run one stage per wave, one agent per shard)'));
  });

  it('--junit: its folder must exist', async () => {
    await assert.rejects(applyOptions({ junit: 'no-such-folder-hc/apply.xml' }), usage('--junit "no-such-folder-hc/apply.xml": the folder "no-such-folder-hc" does not exist'));
  });
});

describe('drift', () => {
  it('defaults: text, no notification, no pushgateway, no shard', () => {
    assert.deepEqual(driftOptions(COMMANDER_DEFAULTS, false), { ...CLUSTER_DEFAULTS, ...CACHE_DEFAULTS, formats: 'text', formatGiven: false, junit: undefined, notify: undefined, notifyAlways: false, pushgateway: undefined, shard: undefined });
  });

  it('each flag given lands in its field', () => {
    const raw = { ...COMMANDER_DEFAULTS, format: 'text,junit=drift.xml', junit: 'j.xml', notify: 'https://hooks.example/T1', notifyAlways: true, pushgateway: 'http://pushgateway:9091', shard: '2/4', cacheDir: '/c', renderAll: true };
    assert.deepEqual(driftOptions(raw, true), {
      ...CLUSTER_DEFAULTS,
      ...CACHE_DEFAULTS,
      cacheDir: '/c',
      renderAll: true,
      formats: 'text,junit=drift.xml',
      formatGiven: true,
      junit: 'j.xml',
      notify: 'https://hooks.example/T1',
      notifyAlways: true,
      pushgateway: 'http://pushgateway:9091',
      shard: '2/4',
    });
  });

  it('--notify and --pushgateway fall back to their environment variables (an empty one is none); the flag wins', () => {
    process.env.HELM_CASCADE_NOTIFY_URL = 'https://hooks.example/env';
    process.env.HELM_CASCADE_PUSHGATEWAY_URL = 'http://pg-env:9091';
    const fromEnv = driftOptions({}, false);
    assert.equal(fromEnv.notify, 'https://hooks.example/env');
    assert.equal(fromEnv.pushgateway, 'http://pg-env:9091');
    const flags = driftOptions({ notify: 'https://hooks.example/flag', pushgateway: 'https://pg-flag' }, false);
    assert.equal(flags.notify, 'https://hooks.example/flag');
    assert.equal(flags.pushgateway, 'https://pg-flag');
    process.env.HELM_CASCADE_NOTIFY_URL = '';
    process.env.HELM_CASCADE_PUSHGATEWAY_URL = '';
    const empty = driftOptions({}, false);
    assert.equal(empty.notify, undefined);
    assert.equal(empty.pushgateway, undefined);
  });

  it('a URL that is not http(s) with a host is refused, naming the flag and what it expects', () => {
    const notify = 'an http(s) URL of a Slack-compatible webhook';
    const pushgateway = 'the http(s) URL of a Prometheus Pushgateway (e.g. http://pushgateway:9091)';
    assert.throws(() => driftOptions({ notify: 'hooks.example/T1' }, false), usage(`--notify expects ${notify}, not "hooks.example/T1"`));
    assert.throws(() => driftOptions({ notify: 'git+https://hooks.example/T1' }, false), usage(`--notify expects ${notify}, not "git+https://hooks.example/T1"`));
    assert.throws(() => driftOptions({ pushgateway: 'ftp://pushgateway:9091' }, false), usage(`--pushgateway expects ${pushgateway}, not "ftp://pushgateway:9091"`));
    process.env.HELM_CASCADE_PUSHGATEWAY_URL = 'pushgateway:9091';
    assert.throws(() => driftOptions({}, false), usage(`--pushgateway expects ${pushgateway}, not "pushgateway:9091"`));
  });

  it('the credentials of a URL are registered with the redactor, a password alone too', () => {
    driftOptions({ notify: 'https://:Xk9PasswordOnly@hooks.example/T1' }, false);
    assert.equal(redactor.redact('token Xk9PasswordOnly'), 'token (secret)');
    driftOptions({ pushgateway: 'http://Yq7UserOnly@pg:9091' }, false);
    assert.equal(redactor.redact('as Yq7UserOnly:'), 'as (secret)');
    driftOptions({ pushgateway: 'http://ops:Zw5P%40ss@pg:9091' }, false);
    assert.equal(redactor.redact('Zw5P%40ss Zw5P@ss ops:Zw5P%40ss@'), '(secret) (secret) (secret)@');
  });
});

describe('URLs as messages show them', () => {
  it('user information hidden; a URL without any unchanged', () => {
    assert.equal(urlShown('http://pushgateway:9091'), 'http://pushgateway:9091');
    assert.equal(urlShown('http://ops:pw@pg:9091/x@y'), '(credentials hidden)@y');
    assert.equal(urlShown('@pg:9091'), '(credentials hidden)@pg:9091');
  });

  it('over 100 characters: the first 80 and the length', () => {
    const hundred = `http://x/${'p'.repeat(91)}`;
    assert.equal(urlShown(hundred), hundred);
    const long = `${hundred}q`;
    assert.equal(urlShown(long), `${long.slice(0, 80)}... (101 characters)`);
  });
});

describe('the plan options of the cache flags', () => {
  it('--cache-dir and --force-nondeterministic only when given; --render-all always', () => {
    assert.deepEqual(cacheFlags({ cacheDir: undefined, renderAll: false, forceNondeterministic: false }), { renderAll: false });
    assert.deepEqual(cacheFlags({ cacheDir: '/c', renderAll: true, forceNondeterministic: true }), { cacheDir: '/c', renderAll: true, forceNondeterministic: true });
  });
});
