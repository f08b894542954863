// A generic JUnit XML writer (the dialect Jenkins' junit step and most CI
// servers read): <testsuites><testsuite><testcase><failure|error|skipped>.
// Used by drift and apply; knows nothing about either.

interface JunitProblem {
  /** One line: shown as the failure's title. */
  message: string;
  type?: string;
  /** Free text (details, diffs, logs). */
  body?: string;
}

export interface JunitCase {
  name: string;
  classname?: string;
  /** Seconds. */
  time?: number;
  failure?: JunitProblem;
  error?: JunitProblem;
  /** Reason the case was skipped. */
  skipped?: string;
  systemOut?: string;
}

export interface JunitSuite {
  name: string;
  /** Seconds. */
  time?: number;
  /** ISO time the suite ran. */
  timestamp?: string;
  properties?: Record<string, string>;
  cases: JunitCase[];
}

// XML 1.0 allows tab, LF, CR and everything from U+0020 except lone surrogates and U+FFFE/U+FFFF.
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** Text safe for an XML attribute or element: escaped, control characters and ANSI codes removed. */
export function xmlEscape(text: string): string {
  return text
    .replace(ANSI, '')
    .replace(INVALID_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function attrs(a: Record<string, string | number | undefined>): string {
  return Object.entries(a)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');
}

function problem(tag: 'failure' | 'error', p: JunitProblem): string {
  const open = `<${tag}${attrs({ message: p.message, type: p.type })}`;
  return p.body ? `${open}>${xmlEscape(p.body)}</${tag}>` : `${open}/>`;
}

function seconds(t: number | undefined): string | undefined {
  return t === undefined ? undefined : t.toFixed(3);
}

/** The XML document for these suites. */
export function writeJunit(suites: readonly JunitSuite[]): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const count = (f: (c: JunitCase) => boolean) => suites.reduce((n, s) => n + s.cases.filter(f).length, 0);
  const total = suites.reduce((n, s) => n + s.cases.length, 0);
  const totalTime = suites.reduce((n, s) => n + (s.time ?? s.cases.reduce((m, c) => m + (c.time ?? 0), 0)), 0);
  // No `skipped` on <testsuites>: Jenkins' xunit junit-10.xsd allows it on <testsuite> only.
  lines.push(`<testsuites${attrs({ tests: total, failures: count((c) => !!c.failure), errors: count((c) => !!c.error), time: seconds(totalTime) })}>`);
  suites.forEach((s, i) => {
    const time = s.time ?? s.cases.reduce((m, c) => m + (c.time ?? 0), 0);
    lines.push(
      `  <testsuite${attrs({
        name: s.name,
        id: i,
        tests: s.cases.length,
        failures: s.cases.filter((c) => !!c.failure).length,
        errors: s.cases.filter((c) => !!c.error).length,
        skipped: s.cases.filter((c) => c.skipped !== undefined).length,
        time: seconds(time),
        timestamp: s.timestamp,
      })}>`,
    );
    const props = Object.entries(s.properties ?? {});
    if (props.length) {
      lines.push('    <properties>');
      for (const [k, v] of props) lines.push(`      <property${attrs({ name: k, value: v })}/>`);
      lines.push('    </properties>');
    }
    for (const c of s.cases) {
      const open = `    <testcase${attrs({ name: c.name, classname: c.classname ?? s.name, time: seconds(c.time) })}`;
      const inner: string[] = [];
      if (c.failure) inner.push(problem('failure', c.failure));
      if (c.error) inner.push(problem('error', c.error));
      if (c.skipped !== undefined) inner.push(`<skipped${attrs({ message: c.skipped || undefined })}/>`);
      if (c.systemOut) inner.push(`<system-out>${xmlEscape(c.systemOut)}</system-out>`);
      lines.push(inner.length ? `${open}>\n${inner.map((x) => `      ${x}`).join('\n')}\n    </testcase>` : `${open}/>`);
    }
    lines.push('  </testsuite>');
  });
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
