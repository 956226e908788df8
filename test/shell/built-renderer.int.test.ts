// The built renderer's own policy: its index.html carries exactly the CSP that csp.ts gives the
// shell and the bridge (written there at build time), before anything it loads, and the page
// has nothing inline that policy would have to allow.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src-main/app/csp.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
let out: string;
let html: string;

const decode = (s: string): string => s.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

beforeAll(async () => {
  // Into a folder of its own: dist/renderer may be in use by another test run.
  out = mkdtempSync(path.join(tmpdir(), 'picolink-built-'));
  await build({ configFile: path.join(root, 'src-renderer', 'vite.config.ts'), logLevel: 'warn', build: { outDir: out, emptyOutDir: true } });
  html = readFileSync(path.join(out, 'index.html'), 'utf8');
}, 120_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the built index.html', () => {
  it("has one CSP <meta>, equal to csp.ts's policy, ahead of every script and stylesheet", () => {
    const metas = [...html.matchAll(/<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"\s*\/?>/gi)];
    expect(metas).toHaveLength(1);
    expect(decode(metas[0]![1]!)).toBe(CONTENT_SECURITY_POLICY);
    const at = metas[0]!.index;
    for (const tag of html.matchAll(/<(script|link)\b/gi)) expect(tag.index).toBeGreaterThan(at);
  });

  it('has no inline script or style for the policy to allow', () => {
    for (const [tag] of html.matchAll(/<script\b[^>]*>/gi)) expect(tag).toMatch(/\ssrc="\.\/assets\//);
    expect(html).not.toMatch(/<style\b|\sstyle="|\son[a-z]+="/i);
  });

  it('takes its policy only from csp.ts: the source page declares none', () => {
    expect(readFileSync(path.join(root, 'src-renderer', 'index.html'), 'utf8')).not.toMatch(/Content-Security-Policy/i);
  });
});
