import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redactor, REDACTED, redactor, shownDeep, stripUrlCredentials } from '../../src/redact.ts';

test('a registered secret is removed in clear, base64 and JSON-escaped forms', () => {
  const r = new Redactor();
  r.add('s3cr3t"pw');
  const b64 = Buffer.from('s3cr3t"pw').toString('base64');
  assert.equal(r.redact(`pw=s3cr3t"pw data=${b64} json="s3cr3t\\"pw"`), `pw=${REDACTED} data=${REDACTED} json="${REDACTED}"`);
  assert.equal(r.has('nothing here'), false);
  assert.equal(r.has(`x${b64}x`), true);
});

test('short strings are not registered, the longest secret wins over one it contains', () => {
  const r = new Redactor();
  assert.equal(r.add('yes', 'abcd', 'abcdefgh'), 2);
  assert.equal(r.redact('yes abcdefgh abcd'), `yes ${REDACTED} ${REDACTED}`);
  assert.equal(r.size, 2);
});

test('an empty redactor returns the text as is', () => {
  assert.equal(new Redactor().redact('a.b*c'), 'a.b*c');
});

test('credentials in URLs are stripped', () => {
  assert.equal(stripUrlCredentials('push to https://bob:hunter2@push.example.com/x failed'), 'push to https://***@push.example.com/x failed');
  assert.equal(stripUrlCredentials('https://push.example.com/x'), 'https://push.example.com/x');
});

test('shownDeep redacts every string of a structure, before any escaping could hide one', () => {
  redactor.add('p<a>ss&word-42');
  const report = { units: [{ summary: 'value p<a>ss&word-42 copied', n: 3, url: 'https://bob:hunter2@push.example.com/x' }] };
  assert.deepEqual(shownDeep(report), { units: [{ summary: `value ${REDACTED} copied`, n: 3, url: 'https://***@push.example.com/x' }] });
});
