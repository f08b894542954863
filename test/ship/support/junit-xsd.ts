// Validates JUnit XML against Jenkins' xunit junit-10.xsd (vendored in
// test/ship/fixtures/xunit) with xmllint (Debian libxml2-utils, installed by
// scripts/system-deps.mjs in pretest).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../support/tmp.ts';

export const JUNIT_XSD = join(import.meta.dirname, '..', 'fixtures', 'xunit', 'junit-10.xsd');
const XMLLINT = '/usr/bin/xmllint';

/** xmllint's verdict on this document: ok, or its messages. */
export function xsdCheck(xml: string): { ok: boolean; messages: string } {
  assert.ok(existsSync(XMLLINT), `${XMLLINT} is missing: run \`node scripts/system-deps.mjs\` (installs Debian libxml2-utils)`);
  const dir = tempDir('junit-xsd-');
  try {
    const file = join(dir, 'report.xml');
    writeFileSync(file, xml);
    const r = spawnSync(XMLLINT, ['--noout', '--schema', JUNIT_XSD, file], { encoding: 'utf8' });
    return { ok: r.status === 0, messages: `${r.stdout}${r.stderr}`.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function assertValidJunit(xml: string): void {
  const r = xsdCheck(xml);
  assert.ok(r.ok, `not valid against junit-10.xsd:\n${r.messages}\n--- document:\n${xml}`);
}
