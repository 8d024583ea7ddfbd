// A deterministic corpus of realistic event data for the inference benchmark: nested objects, arrays,
// optional and drifting fields (new fields appear over time, numbers change from integer to fraction,
// a key changes case), written as JSON lines.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** xorshift32: fast and deterministic, so every run benchmarks the same bytes. */
export function rng(seed: number) {
  let x = seed | 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    hex: (n: number) => {
      let s = '';
      for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(next() * 16)];
      return s;
    },
  };
}

const EVENT_TYPES = ['page_view', 'click', 'add_to_cart', 'purchase', 'signup', 'search', 'video_play', 'logout'];
const COUNTRIES = ['DE', 'FR', 'US', 'GB', 'JP', 'BR', 'IN', 'NL', 'ES', 'IT'];
const CITIES = ['Berlin', 'Paris', 'New York', 'London', 'Tokyo', 'São Paulo', 'Mumbai', 'Amsterdam', 'Madrid', 'Milano'];
const OS = ['iOS', 'Android', 'Windows', 'macOS', 'Linux'];
const BROWSERS = ['Chrome', 'Safari', 'Firefox', 'Edge'];
const PATHS = ['/', '/products', '/products/42', '/cart', '/checkout', '/search?q=shoes', '/account', '/blog/how-to-choose'];

export function makeEvent(r: ReturnType<typeof rng>, i: number, total: number): Record<string, unknown> {
  const progress = i / total;
  const type = r.pick(EVENT_TYPES);
  const event: Record<string, unknown> = {
    event_id: `${r.hex(8)}-${r.hex(4)}-${r.hex(4)}-${r.hex(4)}-${r.hex(12)}`,
    event_type: type,
    ts: new Date(1_700_000_000_000 + i * 1000 + r.int(1000)).toISOString(),
    [progress > 0.6 && r.next() < 0.5 ? 'userId' : 'user_id']: 1_000_000 + r.int(9_000_000),
    session: { id: r.hex(16), seq: r.int(200), started_at: 1_700_000_000 + r.int(10_000_000) },
    user: {
      anonymous: r.next() < 0.2,
      segments: Array.from({ length: r.int(4) }, () => r.pick(['new', 'returning', 'vip', 'churn_risk', 'beta'])),
      geo: { country: r.pick(COUNTRIES), city: r.pick(CITIES), lat: +(r.next() * 180 - 90).toFixed(4), lon: +(r.next() * 360 - 180).toFixed(4) },
    },
    device: { os: r.pick(OS), os_version: `${1 + r.int(17)}.${r.int(10)}`, browser: r.pick(BROWSERS), screen: { w: 360 + r.int(2000), h: 640 + r.int(1000) } },
    context: { page: { path: r.pick(PATHS), referrer: r.next() < 0.3 ? null : `https://www.example.com${r.pick(PATHS)}`, title: 'Example Shop – Great Deals' }, locale: 'en-US', ip: `10.${r.int(255)}.${r.int(255)}.${r.int(255)}` },
    tags: Array.from({ length: r.int(3) }, () => r.pick(['promo', 'mobile', 'organic', 'paid', 'email'])),
  };
  if (type === 'purchase' || type === 'add_to_cart') {
    const items = Array.from({ length: 1 + r.int(3) }, () => ({
      sku: `SKU-${r.int(100000)}`,
      qty: 1 + r.int(4),
      // drift: prices are whole numbers at first, later with cents
      price: progress < 0.3 ? 5 + r.int(200) : +(5 + r.next() * 200).toFixed(2),
      discount: r.next() < 0.1 ? { code: 'SPRING', pct: 10 } : null,
    }));
    event.properties = { items, currency: 'EUR', total: items.reduce((s, it) => s + it.qty * it.price, 0) };
  } else if (type === 'search') {
    event.properties = { query: r.pick(['shoes', 'red dress', 'laptop 16gb', 'gift']), results: r.int(500), filters: [] };
  } else {
    event.properties = { duration_ms: r.int(60_000), scroll_depth: +(r.next()).toFixed(2) };
  }
  // drift: fields that appear later in the corpus
  if (progress > 0.5) event.consent = { analytics: r.next() < 0.8, marketing: r.next() < 0.4 };
  if (progress > 0.8) event.experiment = { [`exp_${r.int(20)}`]: r.pick(['control', 'variant_a', 'variant_b']) };
  if (r.next() < 0.01) event.debug = { trace: [r.hex(8), r.hex(8)], sampled: true };
  return event;
}

/** Write about `bytes` bytes of JSON lines to `path`. */
export async function writeCorpus(path: string, bytes: number): Promise<{ bytes: number; lines: number }> {
  const r = rng(20240501);
  const out = createWriteStream(path);
  const estimatedLines = Math.ceil(bytes / 900);
  let written = 0;
  let lines = 0;
  while (written < bytes) {
    let batch = '';
    for (let k = 0; k < 2000; k++) batch += JSON.stringify(makeEvent(r, lines++, estimatedLines)) + '\n';
    written += Buffer.byteLength(batch);
    if (!out.write(batch)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { bytes: written, lines };
}

/** How the keys of a flat event record are laid out in each record of a shaped corpus. */
export type RecordShape = 'fixed' | 'shuffled' | 'sparse';

// Flat-ish event fields (one small nested object) whose values are the usual mix of ids, words, numbers
// and flags; the 20-key records take the first 20.
const FLAT_FIELDS: [string, (r: ReturnType<typeof rng>, i: number) => unknown][] = [
  ['event_id', (r) => `${r.hex(8)}-${r.hex(4)}-${r.hex(4)}`],
  ['event_type', (r) => r.pick(EVENT_TYPES)],
  ['ts', (_, i) => 1_700_000_000_000 + i * 37],
  ['user_id', (r) => 1_000_000 + r.int(9_000_000)],
  ['session_id', (r) => r.hex(16)],
  ['country', (r) => r.pick(COUNTRIES)],
  ['city', (r) => r.pick(CITIES)],
  ['os', (r) => r.pick(OS)],
  ['browser', (r) => r.pick(BROWSERS)],
  ['path', (r) => r.pick(PATHS)],
  ['duration_ms', (r) => r.int(60_000)],
  ['scroll_depth', (r) => +r.next().toFixed(2)],
  ['is_mobile', (r) => r.next() < 0.5],
  ['price', (r) => +(r.next() * 200).toFixed(2)],
  ['qty', (r) => 1 + r.int(5)],
  ['currency', (r) => r.pick(['EUR', 'USD', 'JPY'])],
  ['referrer', (r) => (r.next() < 0.3 ? null : `https://www.example.com${r.pick(PATHS)}`)],
  ['app_version', (r) => `${1 + r.int(9)}.${r.int(20)}.${r.int(100)}`],
  ['geo', (r) => ({ lat: +(r.next() * 180 - 90).toFixed(4), lon: +(r.next() * 360 - 180).toFixed(4) })],
  ['consent', (r) => r.next() < 0.8],
  ['screen_w', (r) => 360 + r.int(2000)],
  ['screen_h', (r) => 640 + r.int(1000)],
  ['locale', (r) => r.pick(['en-US', 'de-DE', 'fr-FR', 'ja-JP'])],
  ['ip', (r) => `10.${r.int(255)}.${r.int(255)}.${r.int(255)}`],
  ['campaign', (r) => r.pick(['spring', 'summer', 'none', 'retarget'])],
  ['medium', (r) => r.pick(['email', 'cpc', 'organic'])],
  ['source', (r) => r.pick(['google', 'newsletter', 'direct'])],
  ['experiment', (r) => `exp_${r.int(20)}`],
  ['variant', (r) => r.pick(['control', 'variant_a', 'variant_b'])],
  ['page_title', () => 'Example Shop – Great Deals'],
  ['items', (r) => r.int(10)],
  ['cart_total', (r) => +(r.next() * 500).toFixed(2)],
  ['logged_in', (r) => r.next() < 0.6],
  ['retries', (r) => r.int(3)],
  ['latency_ms', (r) => +(r.next() * 900).toFixed(1)],
  ['server', (r) => `web-${r.int(40)}`],
  ['region', (r) => r.pick(['eu-west-1', 'us-east-1', 'ap-northeast-1'])],
  ['status', (r) => r.pick([200, 200, 200, 304, 404, 500])],
  ['bytes_sent', (r) => r.int(2_000_000)],
  ['sampled', (r) => r.next() < 0.1],
];

/**
 * About `bytes` of flat event records of `keys` (20 or 40) fields, one per line (no "\n"): every key in
 * one order (fixed), every key in an order drawn per record (shuffled), or each key present with
 * probability one half, in the one order (sparse).
 */
export function shapedLines(keys: number, shape: RecordShape, bytes: number): string[] {
  const r = rng(20261205 + keys);
  const fields = FLAT_FIELDS.slice(0, keys);
  const order = fields.map((_, k) => k);
  const lines: string[] = [];
  for (let i = 0, size = 0; size < bytes; i++) {
    if (shape === 'shuffled') {
      for (let k = order.length - 1; k > 0; k--) {
        const j = r.int(k + 1);
        [order[k], order[j]] = [order[j]!, order[k]!];
      }
    }
    const record: Record<string, unknown> = {};
    for (const k of order) {
      if (shape === 'sparse' && r.next() < 0.5) continue;
      const [name, value] = fields[k]!;
      record[name] = value(r, i);
    }
    const line = JSON.stringify(record);
    lines.push(line);
    size += Buffer.byteLength(line) + 1;
  }
  return lines;
}
