// `drift --notify URL`: a Slack-compatible webhook message ({text, blocks})
// naming the counts and the worst releases. Built from the report only (which
// holds no secret value), and posted through the redactor all the same: a
// notification is text that leaves the process.
import { shown } from '../redact.ts';
import { worstUnits } from './assess.ts';
import type { DriftReport } from './types.ts';

export interface WebhookMessage {
  text: string;
  blocks: unknown[];
}

const WORST = 10;

function counts(report: DriftReport): string {
  const s = report.summary;
  const parts = (['unreadable', 'broken', 'unhealthy', 'live', 'policy', 'pending', 'skew', 'unmanaged'] as const)
    .filter((k) => s[k] > 0)
    .map((k) => `${s[k]} ${k === 'live' ? 'changed live' : k === 'skew' ? 'version skew' : k === 'policy' ? 'breaking house rules' : k}`);
  return parts.join(', ');
}

/** Slack mrkdwn: escape &, <, > as Slack asks. */
function mrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function driftMessage(report: DriftReport, opts: { title?: string; link?: string } = {}): WebhookMessage {
  const s = report.summary;
  const unreadable = report.clusters.filter((c) => !c.readable).map((c) => c.name);
  const title = opts.title ?? 'helm-cascade drift';
  const headline = s.drifted
    ? `${title}: ${s.drifted} of ${s.units} releases drifted (${counts(report)})`
    : unreadable.length === report.clusters.length && unreadable.length > 0
      ? `${title}: no cluster could be read, drift was not checked`
      : `${title}: no drift across ${s.units} releases on ${report.clusters.length} clusters`;
  const text = `${headline}${unreadable.length ? `; could not read ${unreadable.join(', ')}` : ''}`;
  const worst = worstUnits(report, WORST);
  const lines = worst.map((u) => `• *${mrkdwn(u.cluster)}* \`${mrkdwn(`${u.namespace}/${u.helmName}`)}\` ${u.state}: ${mrkdwn(u.findings[0]?.summary ?? '')}`);
  if (s.drifted > worst.length) lines.push(`…and ${s.drifted - worst.length} more`);
  const blocks: unknown[] = [{ type: 'section', text: { type: 'mrkdwn', text: mrkdwn(text) } }];
  if (lines.length) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n').slice(0, 2900) } });
  const context = [`${report.clustersFile} · ${report.createdAt}`];
  if (opts.link) context.push(`<${opts.link}|full report>`);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] });
  return { text, blocks };
}

/** POSTs the message; throws with the status and the start of the answer when the hook refuses it. */
export async function postWebhook(url: string, message: WebhookMessage, timeoutMs = 15_000): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: shown(JSON.stringify(message)),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) {
    const body = (await res.text().catch(() => '')).slice(0, 200);
    throw new Error(`webhook answered ${res.status} ${res.statusText}${body ? `: ${body}` : ''}`);
  }
}

/** The webhook URL with its path and query hidden (Slack puts the secret token in the path). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '(webhook URL)';
  }
}
