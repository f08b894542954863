// Command-line inputs checked while the options are made, before the
// repository is read or any cluster called: each value flag lands in its own
// field (the wiring), --plan files by shape, --wave with --from-wave refused,
// URLs never printed with their credentials. (The CLI and real helm:
// test/cli/inputs.test.ts.)
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { helmBin } from '../../../fleet/tools.ts';
import { checkPlanFile, planShapeProblem } from '../../../src/commands/check-inputs.ts';
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
import { UsageError } from '../../../src/errors.ts';
import { redactor } from '../../../src/redact.ts';
import { COMMAND_LINE_SOURCE } from '../../../src/plan/command-line-values.ts';
import { explainValue } from '../../../src/report/plan-text.ts';
import { tempDir } from '../../support/tmp.ts';

const dir = tempDir('hc-inputs-');

describe('value flags reach their own fields', () => {
  it('each of -f, --set, --set-string, --set-file, --set-json, --set-literal', async () => {
    const values = join(dir, 'v.yaml');
    const file = join(dir, 'cert.pem');
    writeFileSync(values, 'a: 1\n');
    writeFileSync(file, 'PEM\n');
    const raw = { values: [values], set: ['s=1'], setString: ['ss=2'], setFile: [`sf=${file}`], setJson: ['sj={}'], setLiteral: ['sl=a,b'], helm: helmBin(4) };
    for (const o of [await planOptions(raw), await applyOptions(raw)]) {
      assert.deepEqual(o.valueFlags, { values: [values], set: ['s=1'], setString: ['ss=2'], setFile: [`sf=${file}`], setJson: ['sj={}'], setLiteral: ['sl=a,b'] });
    }
    // a --set-string value is not a file to read, a --set-file value is one
    await assert.rejects(planOptions({ setFile: ['ss=2'], helm: helmBin(4) }), /^UsageError: --set-file ss=2: file not found$/);
    await assert.rejects(planOptions({ values: [join(dir, 'absent.yaml')], helm: helmBin(4) }), /^UsageError: -f .*absent\.yaml: file not found$/);
    // the flags are checked by helm itself: an unknown binary cannot check them
    await assert.rejects(planOptions({ ...raw, helm: '/nonexistent/helm' }), /helm binary "\/nonexistent\/helm" not found/);
  });
});

describe('--plan files', () => {
  const write = (name: string, text: string) => {
    const f = join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  const unit = { cluster: 'c', namespace: 'n', helmName: 'h', wave: 'w', action: 'upgrade', digest: { chart: 'x', values: 'y', manifest: 'z', deployedRevision: 1 } };

  it('missing, not JSON, not a plan: refused naming the flag and the file (never quoting its content)', () => {
    assert.throws(() => checkPlanFile(join(dir, 'nope.json')), (e: unknown) => e instanceof UsageError && e.message === `--plan ${join(dir, 'nope.json')}: file not found`);
    const secret = write('kubeconfig', 'apiVersion: v1\nusers: [{ token: hunter2-SECRET }]\n');
    assert.throws(() => checkPlanFile(secret), (e: unknown) => e instanceof UsageError && e.message.startsWith(`--plan ${secret}: not JSON;`) && !e.message.includes('hunter2'));
    assert.throws(() => checkPlanFile(write('other.json', '{"kind":"Deployment"}')), /not a helm-cascade plan \(no "version": 1\)/);
  });

  it('a plan whose units lack what apply compares is refused with the path to the first gap', () => {
    assert.equal(planShapeProblem({ version: 1, waves: [{ name: 'w', steps: [[unit]] }], orphans: [] }), undefined);
    assert.equal(planShapeProblem({ version: 1 }), 'not a helm-cascade plan (no "waves" list)');
    assert.equal(planShapeProblem({ version: 1, waves: [{ name: 'w', steps: [[unit, { ...unit, digest: undefined }]] }] }), 'waves[0].steps[0][1].digest is missing');
    assert.equal(planShapeProblem({ version: 1, waves: [{ name: 'w', steps: [{}] }] }), 'waves[0].steps[0] is not a list');
    assert.equal(planShapeProblem({ version: 1, waves: [{ steps: [] }] }), 'waves[0] is not a wave (name and steps)');
    assert.equal(planShapeProblem({ version: 1, waves: [], orphans: {} }), '"orphans" is not a list');
  });
});

describe('flag combinations and URLs', () => {
  it('--wave with --from-wave is refused, naming both', async () => {
    await assert.rejects(applyOptions({ wave: 'canary', fromWave: 'production' }), (e: unknown) => e instanceof UsageError && e.message.startsWith('--wave "canary" and --from-wave "production" cannot be combined'));
  });

  it('apply --junit and plan --out: their folder must exist', async () => {
    await assert.rejects(applyOptions({ junit: join(dir, 'no', 'such', 'apply.xml') }), /--junit .*: the folder .* does not exist/);
    await assert.rejects(planOptions({ out: join(dir, 'no', 'plan.json') }), /--out .*: the folder .* does not exist/);
  });

  it('a password in a --pushgateway URL is never printed, and registered with the redactor', () => {
    assert.throws(() => driftOptions({ pushgateway: 'ftp://ops:S3cretPassw0rd@pushgateway:9091' }, false), (e: unknown) => e instanceof UsageError && !e.message.includes('S3cretPassw0rd') && e.message.includes('(credentials hidden)@pushgateway:9091'));
    assert.throws(() => driftOptions({ pushgateway: 'ops:An0therPassw0rd@pushgateway:9091' }, false), (e: unknown) => e instanceof UsageError && !e.message.includes('An0therPassw0rd'));
    const o = driftOptions({ pushgateway: 'http://ops:Th1rdPassw0rd@pushgateway:9091' }, false);
    assert.equal(o.pushgateway, 'http://ops:Th1rdPassw0rd@pushgateway:9091');
    assert.equal(redactor.redact('push to http://ops:Th1rdPassw0rd@pushgateway failed'), 'push to http://(secret)@pushgateway failed');
    assert.equal(urlShown(`http://x/${'p'.repeat(500)}`).length < 130, true);
    // a password without a user name is registered too
    driftOptions({ pushgateway: 'http://:Only4thPassw0rd@pushgateway:9091' }, false);
    assert.equal(redactor.redact('Only4thPassw0rd'), '(secret)');
  });
});

describe('--explain shows what the chart gets', () => {
  it('an int64 as its digits; a float64 a template prints in exponent form says so', () => {
    assert.equal(explainValue(20240101n), '20240101');
    assert.equal(explainValue(9007199254740993n), '9007199254740993');
    assert.equal(explainValue(1.5), '1.5');
    assert.equal(explainValue(123456), '123456');
    assert.equal(explainValue(20240101), '20240101 (a float: templates print 2.0240101e+07; quote it, or give it with set: or --set for an integer)');
    assert.equal(explainValue('20240101'), '"20240101"');
    assert.equal(COMMAND_LINE_SOURCE, 'command line (-f/--set)');
  });
});

/** Runs fn with these environment variables (undefined: unset), then puts them back. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T | Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (vs: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(vs)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  set(vars);
  try {
    return await fn();
  } finally {
    set(before);
  }
}

const quiet = { CI: undefined, NO_COLOR: undefined, HELM_CASCADE_NOTIFY_URL: undefined, HELM_CASCADE_PUSHGATEWAY_URL: undefined };
const usage = (message: string) => (e: unknown) => e instanceof UsageError && e.message === message;

describe('flags -> options: every field and its default', () => {
  const repoDefaults = { clustersFile: './clusters.yaml', releasesDir: undefined, allowRoots: [], output: 'text', color: false, verbose: false };
  const clusterDefaults = { ...repoDefaults, selector: {}, kubeconfig: undefined, helmBin: undefined, concurrency: undefined };
  const cacheDefaults = { cacheDir: undefined, renderAll: false, forceNondeterministic: false };
  const noValueFlags = { values: [], set: [], setString: [], setFile: [], setJson: [], setLiteral: [] };
  const renderDefaults = { ...clusterDefaults, ...cacheDefaults, valueFlags: noValueFlags, wave: undefined, prune: false, liveDrift: true };

  it('status, rollback and validate', async () => {
    await withEnv(quiet, () => {
      assert.deepEqual(statusOptions({}), clusterDefaults);
      const repo = { clusters: 'deploy/clusters.yaml', releases: 'deploy/releases', allowRoot: ['../shared'], output: 'json', verbose: true };
      const cluster = { ...repo, selector: 'name=api,cluster=gke-*', kubeconfig: 'kc.yaml', helm: '/opt/helm', concurrency: '8' };
      const repoWant = { clustersFile: 'deploy/clusters.yaml', releasesDir: 'deploy/releases', allowRoots: ['../shared'], output: 'json', color: false, verbose: true };
      const clusterWant = { ...repoWant, selector: { name: 'api', cluster: 'gke-*' }, kubeconfig: 'kc.yaml', helmBin: '/opt/helm', concurrency: 8 };
      assert.deepEqual(statusOptions(cluster), clusterWant);
      assert.deepEqual(rollbackOptions({}), { ...clusterDefaults, wave: undefined, run: undefined, lockTimeoutMs: 0, logFile: undefined });
      assert.deepEqual(rollbackOptions({ ...cluster, wave: 'canary', run: 'r1', lockTimeout: '1m30s', log: 'run.jsonl' }), { ...clusterWant, wave: 'canary', run: 'r1', lockTimeoutMs: 90_000, logFile: 'run.jsonl' });
      assert.deepEqual(validateOptions({}), { ...repoDefaults, online: false, strict: false, kubeconfig: undefined, helmBin: undefined });
      assert.deepEqual(validateOptions({ ...repo, online: true, strict: true, kubeconfig: 'kc.yaml', helm: '/opt/helm' }), { ...repoWant, online: true, strict: true, kubeconfig: 'kc.yaml', helmBin: '/opt/helm' });
      // a flag that is not a string (commander gives strings) reads as absent
      assert.deepEqual(statusOptions({ clusters: true, kubeconfig: 1 }), clusterDefaults);
    });
  });

  it('--concurrency is a positive whole number; --lock-timeout a duration; -l a selector', () => {
    assert.equal(statusOptions({ concurrency: '1' }).concurrency, 1);
    for (const bad of ['0', '-2', '1.5', 'many']) assert.throws(() => statusOptions({ concurrency: bad }), usage(`--concurrency must be a positive whole number, got "${bad}"`));
    assert.throws(() => rollbackOptions({ lockTimeout: 'soon' }), usage('--lock-timeout "soon": not a duration (write e.g. 30s, 5m, 1h30m)'));
    assert.throws(() => statusOptions({ selector: 'app=api' }), usage('bad selector "app=api": expected name=, track=, cluster= or namespace= (e.g. -l name=api,cluster=gke-*)'));
  });

  it('color only on a terminal, without NO_COLOR and without --no-color', async () => {
    const tty = process.stdout.isTTY;
    try {
      process.stdout.isTTY = true;
      await withEnv(quiet, () => {
        assert.equal(statusOptions({}).color, true);
        assert.equal(statusOptions({ color: false }).color, false);
      });
      await withEnv({ ...quiet, NO_COLOR: '1' }, () => assert.equal(statusOptions({}).color, false));
      process.stdout.isTTY = false;
      await withEnv(quiet, () => assert.equal(statusOptions({}).color, false));
    } finally {
      process.stdout.isTTY = tty;
    }
  });

  it('plan and apply', async () => {
    await withEnv(quiet, async () => {
      assert.deepEqual(await planOptions({}), { ...renderDefaults, out: undefined, explain: false, detailedExitcode: false });
      const render = { cacheDir: '/tmp/cache', renderAll: true, forceNondeterministic: true, wave: 'canary', prune: true, ignoreLiveDrift: true };
      const renderWant = { ...renderDefaults, cacheDir: '/tmp/cache', renderAll: true, forceNondeterministic: true, wave: 'canary', prune: true, liveDrift: false };
      const out = join(dir, 'plan.json');
      assert.deepEqual(await planOptions({ ...render, out, explain: true, detailedExitcode: true }), { ...renderWant, out, explain: true, detailedExitcode: true });
      const applyDefaults = { ...renderDefaults, yes: false, junit: undefined, dryRun: false, planFile: undefined, fromWave: undefined, shard: undefined, recover: false, lockTimeoutMs: 0, logFile: undefined };
      assert.deepEqual(await applyOptions({}), applyDefaults);
      const junit = join(dir, 'apply.xml');
      assert.deepEqual(await applyOptions({ ...render, yes: true, junit, dryRun: true, recover: true, lockTimeout: '2m', log: 'run.jsonl', shard: '2/3' }), {
        ...renderWant,
        yes: true,
        junit,
        dryRun: true,
        planFile: undefined,
        fromWave: undefined,
        shard: { index: 2, count: 3 },
        recover: true,
        lockTimeoutMs: 120_000,
        logFile: 'run.jsonl',
      });
      assert.equal((await applyOptions({ fromWave: 'production' })).fromWave, 'production');
      await assert.rejects(applyOptions({ lockTimeout: '2 minutes' }), usage('--lock-timeout "2 minutes": not a duration (write e.g. 30s, 5m, 1h30m)'));
      await assert.rejects(applyOptions({ plan: join(dir, 'no-plan.json') }), usage(`--plan ${join(dir, 'no-plan.json')}: file not found`));
    });
    // CI set counts as consent
    await withEnv({ ...quiet, CI: 'true' }, async () => assert.equal((await applyOptions({})).yes, true));
  });

  it('--out and --junit: a folder that is a file is no folder', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    await assert.rejects(planOptions({ out: join(file, 'plan.json') }), usage(`--out ${JSON.stringify(join(file, 'plan.json'))}: the folder ${JSON.stringify(file)} does not exist`));
  });

  it('--set keys as deep as the limit, and no deeper', async () => {
    await withEnv({ ...quiet, HELM_CASCADE_MAX_SET_DEPTH: '3' }, async () => {
      await assert.rejects(planOptions({ setJson: ['a.b.c.d={}'] }), usage('--set-json: a key path 4 keys deep, over the limit of 3 (HELM_CASCADE_MAX_SET_DEPTH)'));
      assert.deepEqual((await planOptions({ set: ['a.b.c=1'], helm: helmBin(4) })).valueFlags.set, ['a.b.c=1']);
    });
  });

  it('--verbose lists the helm calls that check the value flags', async () => {
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => lines.push(String(chunk)) > 0) as typeof process.stderr.write;
    try {
      await planOptions({ set: ['a=1'], helm: helmBin(4), verbose: true });
      await planOptions({ set: ['a=1'], helm: helmBin(4) });
    } finally {
      process.stderr.write = write;
    }
    assert.ok(lines.length > 0);
    // one line per helm call, the --set value hidden
    for (const l of lines) assert.match(l, /^» \S*helm template .* --set 'a=\(hidden\)'\n$/);
  });

  it('drift: formats, --junit, --notify and --pushgateway from the flags or the environment', async () => {
    const driftDefaults = { ...clusterDefaults, ...cacheDefaults, formats: 'text', formatGiven: false, junit: undefined, notify: undefined, notifyAlways: false, pushgateway: undefined, shard: undefined };
    await withEnv(quiet, () => {
      assert.deepEqual(driftOptions({}, false), driftDefaults);
      const given = { format: 'json,html=d.html', junit: 'd.xml', notify: 'https://hooks.example/T1', notifyAlways: true, pushgateway: 'http://pushgateway:9091', shard: '1/2', renderAll: true };
      assert.deepEqual(driftOptions(given, true), { ...driftDefaults, formats: 'json,html=d.html', formatGiven: true, junit: 'd.xml', notify: 'https://hooks.example/T1', notifyAlways: true, pushgateway: 'http://pushgateway:9091', shard: '1/2', renderAll: true });
    });
    await withEnv({ ...quiet, HELM_CASCADE_NOTIFY_URL: 'https://hooks.example/env', HELM_CASCADE_PUSHGATEWAY_URL: 'http://pg.example:9091' }, () => {
      const o = driftOptions({}, false);
      assert.deepEqual([o.notify, o.pushgateway], ['https://hooks.example/env', 'http://pg.example:9091']);
      assert.equal(driftOptions({ notify: 'https://hooks.example/flag' }, false).notify, 'https://hooks.example/flag');
    });
    // set but empty: as if unset
    await withEnv({ ...quiet, HELM_CASCADE_NOTIFY_URL: '', HELM_CASCADE_PUSHGATEWAY_URL: '' }, () => assert.deepEqual(driftOptions({}, false), driftDefaults));
  });

  it('a --notify or --pushgateway that is no http(s) URL is refused, naming the flag and what it expects', () => {
    assert.throws(() => driftOptions({ notify: 'not a url' }, false), usage('--notify expects an http(s) URL of a Slack-compatible webhook, not "not a url"'));
    assert.throws(() => driftOptions({ notify: 'xhttps://hooks.example/x' }, false), usage('--notify expects an http(s) URL of a Slack-compatible webhook, not "xhttps://hooks.example/x"'));
    assert.throws(() => driftOptions({ pushgateway: 'file:///tmp/metrics' }, false), usage('--pushgateway expects the http(s) URL of a Prometheus Pushgateway (e.g. http://pushgateway:9091), not "file:///tmp/metrics"'));
  });

  it('urlShown: user information hidden, long URLs cut at 80 characters', () => {
    assert.equal(urlShown('http://pushgateway:9091'), 'http://pushgateway:9091');
    assert.equal(urlShown('@pushgateway:9091'), '(credentials hidden)@pushgateway:9091');
    const hundred = `http://x/${'p'.repeat(91)}`;
    assert.equal(urlShown(hundred), hundred);
    assert.equal(urlShown(`${hundred}q`), `${hundred.slice(0, 80)}... (101 characters)`);
  });

  it('report: the format, html by default; the logs and --out as given', () => {
    assert.deepEqual(reportOptions(['a.jsonl'], {}), { logs: ['a.jsonl'], format: 'html', out: undefined });
    for (const format of ['html', 'json', 'junit', 'markdown', 'text']) assert.deepEqual(reportOptions(['a.jsonl', 'b.jsonl'], { format, out: 'r' }), { logs: ['a.jsonl', 'b.jsonl'], format, out: 'r' });
    assert.throws(() => reportOptions([], { format: 'pdf' }), usage('--format "pdf": expected html, json, junit, markdown or text'));
  });

  it('concurrency: --concurrency, else one render per core and four helm or kube calls per core', () => {
    const o = statusOptions({});
    assert.equal(renderConcurrency(o), availableParallelism());
    assert.equal(runConcurrency(o), availableParallelism() * 4);
    assert.equal(renderConcurrency({ ...o, concurrency: 3 }), 3);
    assert.equal(runConcurrency({ ...o, concurrency: 3 }), 3);
  });

  it('cacheFlags: only the flags given', () => {
    assert.deepEqual(cacheFlags({ cacheDir: undefined, renderAll: false, forceNondeterministic: false }), { renderAll: false });
    assert.deepEqual(cacheFlags({ cacheDir: '/c', renderAll: true, forceNondeterministic: true }), { cacheDir: '/c', renderAll: true, forceNondeterministic: true });
  });

  it('import helmfile [FILE|DIR] -e ENV... --out DIR', () => {
    assert.deepEqual(importOptions({}, ['helmfile']), { source: '.', environments: [], out: 'deploy', partial: false, currentContext: undefined, output: 'text' });
    assert.deepEqual(importOptions({ environment: ['prod', 'stage'], out: 'd', partial: true, currentContext: 'kind', output: 'json' }, ['helmfile', 'hf.yaml']), {
      source: 'hf.yaml',
      environments: ['prod', 'stage'],
      out: 'd',
      partial: true,
      currentContext: 'kind',
      output: 'json',
    });
    assert.throws(() => importOptions({}, ['kustomize']), usage('import: unknown source kind "kustomize" (helm-cascade import helmfile [FILE|DIR])'));
    assert.throws(() => importOptions({}, []), usage('import: unknown source kind "undefined" (helm-cascade import helmfile [FILE|DIR])'));
    assert.throws(() => importOptions({ environment: ['prod', ' '] }, ['helmfile']), usage('-e/--environment: an environment name is empty'));
  });

  it('init [DIR] --context NAME... --provider CONTEXT=PROVIDER...', async () => {
    await withEnv(quiet, () => {
      assert.deepEqual(initOptions({}, []), { dir: '.', fromKubeconfig: false, kubeconfig: undefined, contexts: [], providers: {}, yes: false, output: 'text' });
      assert.deepEqual(initOptions({ fromKubeconfig: true, kubeconfig: 'kc', context: ['a', 'b'], provider: ['a=gke', 'b=x=y'], yes: true, output: 'json' }, ['deploy']), {
        dir: 'deploy',
        fromKubeconfig: true,
        kubeconfig: 'kc',
        contexts: ['a', 'b'],
        providers: { a: 'gke', b: 'x=y' },
        yes: true,
        output: 'json',
      });
      for (const bad of ['gke', '=gke', 'a=']) assert.throws(() => initOptions({ provider: [bad] }, []), usage(`--provider "${bad}": write CONTEXT=PROVIDER (e.g. gke_proj_europe-west1_main=gke)`));
    });
    await withEnv({ ...quiet, CI: '1' }, () => assert.equal(initOptions({}, []).yes, true));
  });
});
