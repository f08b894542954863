// What the docs checks read in a Markdown page: its headings (as the anchors
// GitHub makes of them), its relative links, and its fenced code blocks.
// Code blocks and inline code are not prose: links and headings inside them
// do not count.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface Block {
  lang: string;
  text: string;
  /** 1-based line of the opening fence. */
  line: number;
}

export interface Link {
  target: string;
  line: number;
}

/** The page's lines outside fenced code blocks (others blanked, so line numbers stay), and the blocks. */
export function splitFences(md: string): { prose: string[]; blocks: Block[] } {
  const prose: string[] = [];
  const blocks: Block[] = [];
  let open: { fence: string; lang: string; line: number; body: string[] } | undefined;
  md.split('\n').forEach((l, i) => {
    const fence = /^\s*(```+|~~~+)\s*([\w-]*)/.exec(l);
    if (!open && fence) {
      open = { fence: fence[1] ?? '```', lang: fence[2] ?? '', line: i + 1, body: [] };
      prose.push('');
    } else if (open && l.trim().startsWith(open.fence)) {
      blocks.push({ lang: open.lang, text: open.body.join('\n'), line: open.line });
      open = undefined;
      prose.push('');
    } else if (open) {
      open.body.push(l);
      prose.push('');
    } else {
      prose.push(l);
    }
  });
  return { prose, blocks };
}

/**
 * GitHub's anchor for a heading (the rule of github-slugger): lower-cased,
 * inline markup and punctuation dropped (letters, digits, `-`, `_` and spaces
 * kept), each space a `-`; a repeated heading gets `-1`, `-2`, ...
 */
export function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const l of splitFences(md).prose) {
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(l);
    if (!h) continue;
    const text = (h[1] ?? '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Links of the prose (inline `[text](target)` and `<a href>`), inline code left out. */
export function links(md: string): Link[] {
  const out: Link[] = [];
  splitFences(md).prose.forEach((l, i) => {
    const line = l.replace(/`[^`]*`/g, '``');
    for (const m of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ target: m[1] ?? '', line: i + 1 });
    for (const m of line.matchAll(/<a\s+href="([^"]+)"/g)) out.push({ target: m[1] ?? '', line: i + 1 });
  });
  return out;
}

/** Every .md file under dir, recursively (paths relative to dir). */
export function markdownFiles(dir: string, under = ''): string[] {
  return readdirSync(join(dir, under), { withFileTypes: true }).flatMap((e) => {
    const rel = under ? `${under}/${e.name}` : e.name;
    if (e.isDirectory()) return markdownFiles(dir, rel);
    return e.name.endsWith('.md') ? [rel] : [];
  });
}
