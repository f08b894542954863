// npm run mutate: mutation testing of the pure stages (docs/mutation.md); not part of npm test.
// MUTATE_TESTS (comma-separated globs) narrows the unit-test files for a focused run of a few files
// (with `-- --mutate src/x.ts`): Stryker's initial run executes every listed test file once.
// MUTATE_REPORT=name writes the reports under reports/mutation/name/ (a run of part of the scope
// keeps its own incremental file, so parts can run one after another or on different machines;
// `node scripts/mutation-score.mjs` adds them up).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Every mutant starts node on a test file again: Node's compile cache (shared by the test processes,
// which inherit this environment) halves the CPU each start costs.
process.env.NODE_COMPILE_CACHE ??= join(tmpdir(), 'helm-cascade-mutate-compile-cache');

// The test processes' temporary folders go into one folder for the run, removed when Stryker exits:
// a test process killed at its first failure (forceBail) or at a timeout never removes its own
// (test/support/tmp.ts), and a run of the whole scope starts thousands of them.
if (process.env.HELM_CASCADE_MUTATE_TMP === undefined) {
  const runTmp = mkdtempSync(join(tmpdir(), 'helm-cascade-mutate-'));
  process.env.HELM_CASCADE_MUTATE_TMP = runTmp;
  process.env.TMPDIR = runTmp;
  process.on('exit', () => rmSync(runTmp, { recursive: true, force: true }));
}

const out = process.env.MUTATE_REPORT ? `reports/mutation/${process.env.MUTATE_REPORT}` : 'reports/mutation';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  "testRunner": "tap",
  "tap": {
    "testFiles": process.env.MUTATE_TESTS ? process.env.MUTATE_TESTS.split(',') : ["test/unit/**/*.test.ts"],
    "nodeArgs": [
      "--test-reporter=tap",
      "-r",
      "{{hookFile}}",
      "{{testFile}}"
    ],
    "forceBail": true
  },
  "mutate": [
    "src/model/**/*.ts",
    "src/policy/**/*.ts",
    "src/config/**/*.ts",
    "!src/config/load.ts",
    "src/plan/values.ts",
    "src/plan/command-line-values.ts",
    "src/plan/diff.ts",
    "src/plan/assemble.ts",
    "src/plan/masking.ts",
    "src/health/evaluate.ts",
    "src/health/pod.ts",
    "src/health/deployment.ts",
    "src/health/statefulset.ts",
    "src/health/daemonset.ts",
    "src/health/job.ts",
    "src/health/service.ts",
    "src/commands/options.ts"
  ],
  "ignorePatterns": [
    "tsconfig.json",
    ".fleet",
    "out",
    "reports",
    "dist",
    "bench",
    "demo",
    "deploy"
  ],
  "coverageAnalysis": "perTest",
  "ignoreStatic": true,
  "incremental": true,
  "incrementalFile": `${out}/stryker-incremental.json`,
  "concurrency": 2,
  "timeoutMS": 20000,
  "timeoutFactor": 2,
  "reporters": [
    "clear-text",
    "progress-append-only",
    "html",
    "json"
  ],
  "htmlReporter": {
    "fileName": `${out}/index.html`
  },
  "jsonReporter": {
    "fileName": `${out}/mutation.json`
  },
  "clearTextReporter": {
    "allowColor": false,
    "logTests": false,
    "reportScoreTable": true,
    "reportMutants": false
  },
  "thresholds": {
    "high": 90,
    "low": 80,
    "break": null
  },
  "tempDirName": ".stryker-tmp",
  "cleanTempDir": "always",
  "dryRunTimeoutMinutes": 40
};
