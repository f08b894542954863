import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { assessDrift } from '../../../src/drift/assess.ts';
import { parseFormats, renderDrift } from '../../../src/report/drift-formats.ts';
import { writeJunit, xmlEscape } from '../../../src/report/junit.ts';
import { CLUSTERS, cleanReads, deployed, desiredUnits, liveObjects } from '../drift/fixtures.ts';
import { chromiumBin } from '../../support/tools.ts';
import { tempDir } from '../../support/tmp.ts';

function driftedReport() {
  const reads = cleanReads();
  const paris = reads[0];
  const gke = reads[1];
  assert.ok(paris && gke);
  paris.live = [...(paris.live as ReturnType<typeof liveObjects>).filter((o) => o.metadata?.name !== 'account-service-production'), ...liveObjects('account-service-production', 'accounts', { replicas: 9, logLevel: 'debug<script>' })];
  gke.releases = [deployed('gke-europe-west1', 'account-service-internal', 'accounts', { status: 'failed' }), deployed('gke-europe-west1', 'account-service-production', 'accounts'), deployed('gke-europe-west1', 'redis', 'accounts', { managed: false })];
  return assessDrift({ clustersFile: 'clusters.yaml', createdAt: '2026-11-22T02:00:00Z', clusters: CLUSTERS, units: desiredUnits(), reads, repo: 'deploy' });
}

describe('parseFormats', () => {
  it('reads bare formats and format=file pairs', () => {
    assert.deepEqual(parseFormats('text,json=out.json,html=drift.html'), [
      { format: 'text', file: undefined },
      { format: 'json', file: 'out.json' },
      { format: 'html', file: 'drift.html' },
    ]);
    assert.deepEqual(parseFormats('md=x.md'), [{ format: 'markdown', file: 'x.md' }]);
  });
  it('refuses unknown formats and two formats on stdout', () => {
    assert.throws(() => parseFormats('yaml'), /unknown format "yaml".*text, json, junit, markdown, html/);
    assert.throws(() => parseFormats('text,json'), /only one format can go to standard output/);
    assert.throws(() => parseFormats('json='), /missing file name/);
  });
});

describe('writeJunit', () => {
  it('escapes XML and strips control characters and ANSI colours', () => {
    assert.equal(xmlEscape('a<b>&"\'\u0001\u001b[31mred\u001b[39m'), 'a&lt;b&gt;&amp;&quot;&apos;red');
  });
  it('writes suites, cases, failures, errors and skips with counts', () => {
    const xml = writeJunit([
      { name: 's1', cases: [{ name: 'ok', time: 1 }, { name: 'bad <1>', failure: { message: 'm & n', type: 't', body: 'line1\nline2' } }] },
      { name: 's2', cases: [{ name: 'err', error: { message: 'boom' } }, { name: 'skip', skipped: 'not now' }] },
    ]);
    assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites tests="4" failures="1" errors="1" time="1.000">/);
    assert.match(xml, /<testcase name="bad &lt;1&gt;" classname="s1">\n\s+<failure message="m &amp; n" type="t">line1\nline2<\/failure>/);
    assert.match(xml, /<testsuite name="s2" id="1" tests="2" failures="0" errors="1" skipped="1"/);
    assert.match(xml, /<skipped message="not now"\/>/);
  });
});

describe('drift reports', () => {
  const report = driftedReport();
  it('text names every drifted unit and what differs; colour only when asked', () => {
    const plain = renderDrift(report, 'text', { color: false });
    assert.match(plain, /Deployment accounts\/account-service-production: spec\.replicas: 2 -> 9/);
    assert.match(plain, /status failed/);
    assert.match(plain, /redis/);
    assert.match(plain, /drift found in 3 releases/);
    assert.ok(!plain.includes('\u001b['));
    assert.ok(renderDrift(report, 'text', { color: true }).includes('\u001b[31m'));
  });
  it('JSON parses and carries the exit code', () => {
    const j = JSON.parse(renderDrift(report, 'json', { color: false })) as { exitCode: number; summary: { drifted: number } };
    assert.equal(j.exitCode, 2);
    assert.equal(j.summary.drifted, 3);
  });
  it('JUnit: one failing testcase per drifted unit', () => {
    const xml = renderDrift(report, 'junit', { color: false });
    assert.equal((xml.match(/<failure /g) ?? []).length, 3);
    assert.equal((xml.match(/<testcase /g) ?? []).length, 5);
    assert.ok(!xml.includes('<script>'));
  });
  it('Markdown has the matrix', () => {
    const md = renderDrift(report, 'markdown', { color: false });
    assert.match(md, /\| release \| onprem-paris \| gke-europe-west1 \|/);
    assert.match(md, /\| `account-service-production` \| 🔴 changed live \(1\.2\.0\) \| 🟢 clean \(1\.2\.0\) \|/);
  });
  it('HTML is one self-contained page with a matrix cell per unit, escaped', () => {
    const html = renderDrift(report, 'html', { color: false });
    assert.ok(!/<(link|img)\b|src=|https?:\/\//.test(html), 'no external assets');
    assert.equal((html.match(/<td class="cell /g) ?? []).length, 5);
    assert.match(html, /data-unit="onprem-paris\/accounts\/account-service-production" data-state="live"/);
    assert.ok(!html.includes('debug<script>'));
    assert.ok(html.includes('debug&lt;script&gt;'));
  });

  it('HTML renders in headless chromium', { timeout: 120_000 }, () => {
    const chromium = chromiumBin();
    const dir = tempDir('drift-html-');
    const file = join(dir, 'drift.html');
    writeFileSync(file, renderDrift(report, 'html', { color: false }));
    const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', `--user-data-dir=${join(dir, 'profile')}`];
    const shot = join(dir, 'out.png');
    const r1 = spawnSync(chromium, [...flags, `--screenshot=${shot}`, '--window-size=1200,800', `file://${file}`], { encoding: 'utf8', timeout: 90_000 });
    assert.ok(existsSync(shot), `no screenshot: ${r1.stderr}`);
    assert.ok(statSync(shot).size > 10_000, `screenshot too small (${statSync(shot).size} bytes)`);
    const r2 = spawnSync(chromium, [...flags, '--dump-dom', `file://${file}#u-onprem-paris_accounts_account-service-production`], { encoding: 'utf8', timeout: 90_000 });
    assert.match(r2.stdout, /data-unit="gke-europe-west1\/accounts\/account-service-internal" data-state="broken"/);
    // the inline script opened the panel the URL points at
    assert.match(r2.stdout, /<details class="unit" id="u-onprem-paris_accounts_account-service-production" data-drifted="1" open="">/);
  });
});
