// The mutation score of the whole scope from the reports of its parts
// (MUTATE_REPORT=name npm run mutate -- --mutate ...: reports/mutation/NAME/mutation.json,
// and reports/mutation/mutation.json of a whole run). A file reported by
// several parts counts once, from its newest report. Stryker's own formula:
// detected (killed + timeout) over valid mutants (detected + survived + no
// coverage); compile and runtime errors and ignored mutants are not valid.
//   node scripts/mutation-score.mjs [reports/mutation]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2] ?? 'reports/mutation';
const reports = [join(root, 'mutation.json'), ...(existsSync(root) ? readdirSync(root).map((d) => join(root, d, 'mutation.json')) : [])]
  .filter((f) => existsSync(f))
  .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
if (reports.length === 0) {
  process.stderr.write(`no mutation.json under ${root}: run npm run mutate first (docs/mutation.md)\n`);
  process.exit(1);
}

/** file -> counts, the newest report of each file winning. */
const files = new Map();
for (const report of reports) {
  for (const [file, data] of Object.entries(JSON.parse(readFileSync(report, 'utf8')).files)) {
    const c = { killed: 0, timeout: 0, survived: 0, noCoverage: 0, report };
    for (const m of data.mutants) {
      if (m.status === 'Killed') c.killed++;
      else if (m.status === 'Timeout') c.timeout++;
      else if (m.status === 'Survived') c.survived++;
      else if (m.status === 'NoCoverage') c.noCoverage++;
    }
    files.set(file, c);
  }
}

const score = (c) => {
  const valid = c.killed + c.timeout + c.survived + c.noCoverage;
  return valid === 0 ? 100 : (100 * (c.killed + c.timeout)) / valid;
};
const total = { killed: 0, timeout: 0, survived: 0, noCoverage: 0 };
const rows = [...files].sort(([a], [b]) => a.localeCompare(b));
for (const [file, c] of rows) {
  for (const k of Object.keys(total)) total[k] += c[k];
  process.stdout.write(`${score(c).toFixed(2).padStart(6)} %  ${file}  (killed ${c.killed}, timeout ${c.timeout}, survived ${c.survived}, no coverage ${c.noCoverage})\n`);
}
process.stdout.write(
  `\nwhole scope: ${score(total).toFixed(2)} % of ${total.killed + total.timeout + total.survived + total.noCoverage} mutants in ${files.size} files ` +
    `(killed ${total.killed}, timeout ${total.timeout}, survived ${total.survived}, no coverage ${total.noCoverage}); from ${reports.length} report(s)\n`,
);
