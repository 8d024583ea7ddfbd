// HTML built from template literals where every interpolated value is escaped unless it is already Html.
// The one place the web catalog turns data into markup: names, descriptions and sample values come from
// the lake, and the lake is written by anyone.

const MARK = Symbol('html');

/** Markup that is already safe: produced by `html` or `raw`. */
export interface Html {
  readonly [MARK]: true;
  readonly text: string;
}

function make(text: string): Html {
  return { [MARK]: true, text };
}

export function isHtml(v: unknown): v is Html {
  return typeof v === 'object' && v !== null && (v as Html)[MARK] === true;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Text made safe for element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => ESCAPES[c]);
}

/** Trusted markup, for constants only (never data). */
export function raw(text: string): Html {
  return make(text);
}

type Value = Html | string | number | boolean | null | undefined | readonly Value[];

function render(v: Value): string {
  if (v === null || v === undefined || v === false) return '';
  if (Array.isArray(v)) return v.map(render).join('');
  if (isHtml(v)) return v.text;
  return escapeHtml(String(v));
}

/** html`<td>${name}</td>`: strings and numbers are escaped, Html is kept, arrays are joined, and null,
 *  undefined and false render as nothing (so `${cond && html`…`}` works). */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return make(out);
}

/** A URL path segment or query value. */
export function urlPart(s: string): string {
  return encodeURIComponent(s);
}
