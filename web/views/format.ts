// Small text helpers shared by the tabs: shortening long values for a cell, and numbers for people.
import { html, type Html } from '../html';

/** `s` cut to `max` characters with an ellipsis; the whole value stays in the title. */
export function clipped(s: string, max: number, cls?: string): Html {
  if (s.length <= max) return cls ? html`<span class="${cls}">${s}</span>` : html`${s}`;
  return html`<span class="${cls ?? 'clipped'}" title="${s.slice(0, 2000)}">${s.slice(0, max - 1)}…</span>`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function byteSize(n: number): string {
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${UNITS[u]}`;
}

/** A file and line as people cite them: `s3://b/k.json:12`. */
export function fileLine(p: { file: string; line?: number } | undefined): string {
  return p ? `${p.file}${p.line !== undefined ? `:${p.line}` : ''}` : '';
}

/** An ISO time as `2026-12-07 13:05 UTC`: the same for every viewer, as the CLI prints. */
export function when(iso: string): string {
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : iso;
}
