/**
 * The LTI pages ConvLab renders itself (inside the LMS frame): launch errors in words, the deep-linking picker, the
 * auto-posting form that returns a signed message to the LMS, and the launch's landing page. Plain HTML with inline
 * styles; the one script (auto-submit) carries the request's CSP nonce. Every value is escaped.
 */

/** Escapes text for HTML content and attribute values. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; color: #1f2937; background: #f8fafc; margin: 0; padding: 24px; }
  main { max-width: 760px; margin: 0 auto; background: #fff; border: 1px solid #e2e8f0; border-radius: 10px; padding: 24px 28px; }
  h1 { font-size: 22px; margin: 0 0 12px; }
  h2 { font-size: 17px; margin: 24px 0 8px; }
  .muted { color: #64748b; font-size: 14px; }
  .problem { border-left: 4px solid #dc2626; background: #fef2f2; padding: 10px 14px; margin: 12px 0; }
  .hint { border-left: 4px solid #2563eb; background: #eff6ff; padding: 10px 14px; margin: 12px 0; }
  table { border-collapse: collapse; width: 100%; font-size: 14px; }
  th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #e2e8f0; }
  button { font: inherit; background: #2563eb; color: #fff; border: 0; border-radius: 6px; padding: 6px 14px; cursor: pointer; }
  button.secondary { background: #e2e8f0; color: #1f2937; }
  .status-sent { color: #15803d; } .status-pending { color: #b45309; } .status-failed { color: #b91c1c; }
  code { background: #f1f5f9; padding: 1px 4px; border-radius: 4px; }
`;

/** A whole page; `body` is trusted HTML built with `esc`. */
export function page(title: string, body: string, nonce?: string, script?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · ConvLab</title><style>${STYLE}</style></head><body><main>${body}</main>${
    script && nonce ? `<script nonce="${esc(nonce)}">${script}</script>` : ''
  }</body></html>`;
}

/** A refused launch: what was wrong and what the LMS admin should check. Never a stack trace. */
export function errorPage(title: string, hint: string, reason: string, heading = 'ConvLab could not open this launch'): string {
  return page(
    heading,
    `<h1>${esc(heading)}</h1>
<div class="problem"><strong>What was wrong:</strong> ${esc(title)}</div>
<div class="hint"><strong>${esc(reason === 'forbidden' || reason === 'unauthorized' ? 'What to do' : 'What the LMS admin should check')}:</strong> ${esc(hint)}</div>
<p class="muted">Reason code: <code>${esc(reason)}</code>. Nothing was changed in ConvLab.</p>`,
  );
}

/** A form that posts `fields` to `action` (on the LMS) as soon as it loads; a button for browsers without scripts. */
export function autoPostPage(action: string, fields: Record<string, string>, nonce: string | undefined, title: string): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${esc(name)}" value="${esc(value)}">`)
    .join('');
  return page(
    title,
    `<h1>${esc(title)}</h1><form id="autopost" method="post" action="${esc(action)}">${inputs}<button type="submit">Continue</button></form>`,
    nonce,
    "document.getElementById('autopost').submit();",
  );
}
