// Command-line inputs checked while the options are made, before the
// repository is read or any cluster called: each value flag lands in its own
// field (the wiring), --plan files by shape, --wave with --from-wave refused,
// URLs never printed with their credentials. (The CLI and real helm:
// test/cli/inputs.test.ts.)
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { helmBin } from '../../../fleet/tools.ts';
import { checkPlanFile, planShapeProblem } from '../../../src/commands/check-inputs.ts';
import { applyOptions, driftOptions, planOptions, urlShown } from '../../../src/commands/options.ts';
import { UsageError } from '../../../src/errors.ts';
import { redactor } from '../../../src/redact.ts';
import { COMMAND_LINE_SOURCE } from '../../../src/plan/command-line-values.ts';
import { explainValue } from '../../../src/report/plan-text.ts';

const dir = mkdtempSync(join(tmpdir(), 'hc-inputs-'));

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
