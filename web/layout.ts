// The page around every page: header, navigation, who is signed in, and the development sign-in warning.
import { html, raw, type Html } from './html';
import type { Viewer } from './identity';

export interface PageContext {
  viewer: Viewer | null;
  csrf: string;
  devSignIn: boolean;
  path: string;
  temporalUiUrl: string;
  namespace: string;
}

// htmx may not evaluate code or run scripts it swaps in, and its indicator styles would be inline
const HTMX_CONFIG = JSON.stringify({ includeIndicatorStyles: false, allowEval: false, allowScriptTags: false, historyCacheSize: 0 });

const NAV: { href: string; label: string }[] = [
  { href: '/sources', label: 'Sources' },
  { href: '/access/mine', label: 'My access' },
  { href: '/access/inbox', label: 'Approvals' },
  { href: '/access/log', label: 'Access log' },
];

export function csrfField(csrf: string): Html {
  return html`<input type="hidden" name="_csrf" value="${csrf}">`;
}

export function layout(title: string, content: Html, ctx: PageContext): Html {
  const here = ctx.path.split('?')[0];
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content="${HTMX_CONFIG}">
<title>${title} · lake catalog</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css">
<link rel="stylesheet" href="/assets/tabs.css">
<script src="/assets/htmx.min.js" defer></script>
<script src="/assets/app.js" defer></script>
</head>
<body hx-headers="${JSON.stringify({ 'x-csrf-token': ctx.csrf })}">
${ctx.devSignIn ? html`<div class="dev-banner" role="alert">Development sign-in: anyone can act as any principal. Put the catalog behind your SSO proxy and set LAKE_WEB_IDENTITY_HEADER for real use.</div>` : ''}
<header class="top">
  <a class="brand" href="/sources">lake catalog</a>
  <nav>${NAV.map((n) => html`<a href="${n.href}"${here.startsWith(n.href) ? raw(' aria-current="page"') : ''}>${n.label}</a>`)}</nav>
  <form class="search" method="get" action="/sources" role="search"><input type="search" name="q" placeholder="Search sources, columns, tags…" aria-label="Search"></form>
  <div class="who">${
    ctx.viewer
      ? html`<span class="viewer" data-viewer="${ctx.viewer.name}">${ctx.viewer.name}${ctx.viewer.admin ? html` <span class="badge">admin</span>` : ''}</span>${ctx.devSignIn ? html`<form method="post" action="/signout" class="inline">${csrfField(ctx.csrf)}<button type="submit" class="link">sign out</button></form>` : ''}`
      : ctx.devSignIn
        ? html`<a href="/signin">Sign in (development)</a>`
        : html`<span class="viewer">not signed in</span>`
  }</div>
</header>
<main id="main">
${content}
</main>
</body>
</html>
`;
}

export function errorPage(status: number, message: string): Html {
  return html`<section class="error"><h1>${status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : status === 401 ? 'Sign in first' : 'Something went wrong'}</h1><p class="message">${message}</p>${status === 401 ? html`<p><a href="/signin">Sign in</a></p>` : ''}</section>`;
}
