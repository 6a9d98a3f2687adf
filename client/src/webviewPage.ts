// The HTML frame of the extension's webviews: a strict Content-Security-Policy where only the inline style and script
// carrying this page's nonce run, and nothing remote loads. No `vscode` import, so tests can inspect the markup.
import { randomBytes } from 'node:crypto';

export function newNonce(): string {
  return randomBytes(16).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** JSON safe to place inside a <script> element (no `</script>` or `<!--` can close or confuse it). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export interface WebviewPageParts {
  nonce: string;
  title: string;
  style: string;
  body: string;
  script: string;
}

export function contentSecurityPolicy(nonce: string): string {
  return [`default-src 'none'`, `img-src data:`, `style-src 'nonce-${nonce}'`, `script-src 'nonce-${nonce}'`].join('; ');
}

export function webviewPage(parts: WebviewPageParts): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(parts.nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(parts.title)}</title>
<style nonce="${parts.nonce}">${parts.style}</style>
</head>
<body>
${parts.body}
<script nonce="${parts.nonce}">${parts.script}</script>
</body>
</html>`;
}
