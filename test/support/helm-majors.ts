// Which helm majors the end-to-end tests run against: both, always, unless
// the test-only variable HELM_CASCADE_TEST_HELM says otherwise ("3", "4" or
// "3,4"). HELM_BIN (which `npm run fleet -- env` exports for a shell) does
// NOT narrow the suite: it used to, silently. Each test file prints the
// majors it runs, so a narrowed run shows in the output.
import type { HelmMajor } from '../../fleet/tools.ts';

export const TEST_HELM_VAR = 'HELM_CASCADE_TEST_HELM';

/** Parses the variable's value; undefined or empty means both majors. */
export function parseHelmMajors(value: string | undefined): HelmMajor[] {
  if (value === undefined || value.trim() === '') return [3, 4];
  const parts = value.split(',').map((p) => p.trim());
  const majors = parts.filter((p): p is '3' | '4' => p === '3' || p === '4').map((p) => Number(p) as HelmMajor);
  if (majors.length !== parts.length || new Set(majors).size !== majors.length) {
    throw new Error(`${TEST_HELM_VAR}=${JSON.stringify(value)}: expected "3", "4" or "3,4"`);
  }
  return majors.sort();
}

let printed = false;

/** The helm majors this run tests, printed once per test file. */
export function testHelmMajors(): HelmMajor[] {
  const majors = parseHelmMajors(process.env[TEST_HELM_VAR]);
  if (!printed) {
    printed = true;
    const why = process.env[TEST_HELM_VAR] ? ` (${TEST_HELM_VAR}=${process.env[TEST_HELM_VAR]})` : '';
    process.stdout.write(`helm majors under test: ${majors.map((m) => `helm ${m}`).join(', ')}${why}\n`);
  }
  return majors;
}
