import './style.css';
import { ApiError, ConditionalClient, query } from './api.ts';
import { StanceChart, seriesFrom, type Mode } from './chart.ts';
import { byId, h, pct, safeLink, signed, utc } from './dom.ts';
import { INTERVALS, type Interval } from '../../shared/buckets.ts';
import { BUILTIN_MODEL_IDS, SOURCE_NAMES, type SourceName } from '../../shared/lists.ts';
import type { Alert, AlertDriver, DriversAnswer, ScoredPost, SummaryAnswer, TrendsAnswer } from './types.ts';

/**
 * The dashboard: reads the public API only, polls it with If-None-Match, and renders every piece of
 * post text as a text node. The view's state lives in the URL's query string, so a view can be shared.
 */
const isBuiltin = (model: string) => (BUILTIN_MODEL_IDS as readonly string[]).includes(model);
const RANGES = { '1h': 3_600, '24h': 86_400, '7d': 7 * 86_400 } as const;
type Range = keyof typeof RANGES;
/** Intervals that give a readable number of buckets for each range (and stay under the API's bucket limit). */
const INTERVALS_FOR: Record<Range, Interval[]> = {
  '1h': ['1m', '5m', '15m'],
  '24h': ['5m', '15m', '1h'],
  '7d': ['15m', '1h', '1d'],
};
const DEFAULT_INTERVAL: Record<Range, Interval> = { '1h': '5m', '24h': '15m', '7d': '1h' };

interface View {
  range: Range;
  interval: Interval;
  source: string;
  lang: string;
  mode: Mode;
}

const client = new ConditionalClient();
const chart = new StanceChart(byId('chart'));
const form = byId<HTMLFormElement>('controls');
const params = new URLSearchParams(location.search);
const refreshSeconds = Math.max(1, Number(params.get('refresh')) || 15);
let generation = 0;
let renders = 0;
let openAlert: string | undefined;
/** The URL each panel currently shows. */
const shown: Record<string, string> = {};

function readView(): View {
  const range = (byId<HTMLSelectElement>('range').value as Range) || '24h';
  const allowed = INTERVALS_FOR[range];
  const picked = byId<HTMLSelectElement>('interval').value as Interval;
  const mode = (new FormData(form).get('mode') as Mode | null) ?? 'counts';
  return {
    range,
    interval: allowed.includes(picked) ? picked : DEFAULT_INTERVAL[range],
    source: byId<HTMLSelectElement>('source').value,
    lang: byId<HTMLSelectElement>('lang').value,
    mode,
  };
}

/** The source filter's labels; the compiler asks for one whenever shared/lists.ts gains a source. */
const SOURCE_LABELS: Record<SourceName, string> = {
  mastodon: 'Mastodon',
  bluesky: 'Bluesky',
  hackernews: 'Hacker News',
  reddit: 'Reddit',
  telegram: 'Telegram',
  rss: 'RSS / news',
};

function fillSources(): void {
  byId<HTMLSelectElement>('source').append(...SOURCE_NAMES.map((s) => h('option', { value: s }, SOURCE_LABELS[s])));
}

function fillIntervals(range: Range, wanted?: string): void {
  const select = byId<HTMLSelectElement>('interval');
  const options = INTERVALS_FOR[range];
  select.replaceChildren(...options.map((i) => h('option', { value: i }, i)));
  select.value = wanted && (options as string[]).includes(wanted) ? wanted : DEFAULT_INTERVAL[range];
}

function applyUrl(): void {
  fillSources();
  const range = (Object.keys(RANGES) as Range[]).find((r) => r === params.get('range')) ?? '24h';
  byId<HTMLSelectElement>('range').value = range;
  fillIntervals(range, params.get('interval') ?? undefined);
  for (const name of ['source', 'lang'] as const) {
    const v = params.get(name);
    const select = byId<HTMLSelectElement>(name);
    if (v && [...select.options].some((o) => o.value === v)) select.value = v;
  }
  if (params.get('mode') === 'shares')
    form.querySelector<HTMLInputElement>('input[name=mode][value=shares]')!.checked = true;
}

function writeUrl(v: View): void {
  const q = new URLSearchParams({ range: v.range, interval: v.interval, mode: v.mode });
  if (v.source) q.set('source', v.source);
  if (v.lang) q.set('lang', v.lang);
  if (params.get('refresh')) q.set('refresh', params.get('refresh')!);
  history.replaceState(null, '', `?${q.toString()}`);
}

function trendsPath(v: View): string {
  const step = INTERVALS[v.interval];
  // `to` is floored to the interval, so every poll within one bucket asks the same question and can get a 304.
  const to = Math.floor(Date.now() / 1000 / step) * step;
  return query('api/v1/trends', {
    interval: v.interval,
    from: to - RANGES[v.range] + step,
    to,
    source: v.source,
    lang: v.lang,
  });
}

async function refresh(): Promise<void> {
  const mine = ++generation;
  const v = readView();
  const tPath = trendsPath(v);
  try {
    const paths = {
      trends: tPath,
      summary: query('api/v1/summary', { window: v.range, source: v.source, lang: v.lang }),
      posts: query('api/v1/posts', { limit: 25, source: v.source, lang: v.lang }),
      alerts: query('api/v1/alerts', { limit: 20 }),
    };
    const [trends, summary, posts, alerts] = await Promise.all([
      client.get<TrendsAnswer>(paths.trends),
      client.get<SummaryAnswer>(paths.summary),
      client.get<{ posts: ScoredPost[] }>(paths.posts),
      client.get<{ alerts: Alert[] }>(paths.alerts),
    ]);
    if (mine !== generation) return; // the view changed while these were in flight; a newer refresh renders
    // A 304 means "same as last time for this URL", which is not what is on screen after a filter went back and forth.
    const stale = (panel: keyof typeof paths, changed: boolean, extra = '') => {
      const key = paths[panel] + extra;
      if (!changed && shown[panel] === key) return false;
      shown[panel] = key;
      return true;
    };
    if (stale('trends', trends.changed, `|${v.mode}`)) {
      chart.render(seriesFrom(trends.body, v.mode, tPath));
      byId('chart-caption').textContent =
        `${v.interval} buckets, ${v.mode}${v.source ? `, ${v.source}` : ''}${v.lang ? `, ${v.lang}` : ''}`;
      renderProvenance(trends.body.models);
    }
    if (stale('summary', summary.changed)) renderSummary(summary.body);
    if (stale('posts', posts.changed)) renderPosts(posts.body.posts);
    if (stale('alerts', alerts.changed)) renderAlerts(alerts.body.alerts);
    byId('error').hidden = true;
    byId('updated').textContent =
      `${new Date().toISOString().slice(11, 19)} UTC (${client.notModified} unchanged answers so far)`;
    renders++;
    document.body.dataset.renders = String(renders);
    document.body.dataset.notModified = String(client.notModified);
    document.body.dataset.state = 'ready';
  } catch (err) {
    const box = byId('error');
    box.textContent =
      err instanceof ApiError
        ? `The API answered: ${err.detail}`
        : `Cannot reach the API (${(err as Error).message}); retrying.`;
    box.hidden = false;
  }
}

function renderProvenance(models: Record<string, number>): void {
  const total = Object.values(models).reduce((a, b) => a + b, 0);
  const builtinIds = Object.keys(models).filter(isBuiltin);
  const builtin = builtinIds.reduce((n, m) => n + (models[m] ?? 0), 0);
  const box = byId('provenance');
  box.dataset.builtinShare = total ? String(builtin / total) : '';
  if (!total || !builtin) {
    box.hidden = !total;
    box.className = 'provenance model';
    box.replaceChildren(total ? `Scored by ${Object.keys(models).join(', ')}.` : '');
    return;
  }
  box.className = 'provenance builtin';
  const lead =
    builtin === total ? 'All of these counts come' : `${((builtin / total) * 100).toFixed(0)}% of these counts come`;
  box.replaceChildren(
    h('strong', {}, `${lead} from the built-in scorer (${builtinIds.join(', ')}), `),
    'a small trained classifier (or keyword lexicon) used when no model is configured. It is much weaker than a real model on real posts: treat the shares as rough. ',
    ...Object.entries(models)
      .filter(([m]) => !isBuiltin(m))
      .map(([m, n]) => h('span', { class: 'muted' }, `${m}: ${n} posts. `)),
  );
  box.hidden = false;
}

function renderSummary(s: SummaryAnswer): void {
  byId('summary-window').textContent = `last ${s.window} against the ${s.window} before`;
  const card = (label: string, value: string, change: string, cls = '') =>
    h(
      'div',
      { class: `card ${cls}` },
      h('div', { class: 'label' }, label),
      h('div', { class: 'value' }, value),
      h('div', { class: 'change' }, change),
    );
  byId('summary').replaceChildren(
    card(
      'posts',
      String(s.current.total),
      `${signed(s.change.total, 0)} (${s.change.totalRatio === null ? 'no earlier data' : signed(s.change.totalRatio, 0, 100, '%')})`,
    ),
    card(
      'support',
      pct(s.current.supportShare),
      `${signed(s.change.supportShare, 1, 100, ' pts')} · ${s.current.support} posts`,
      'support',
    ),
    card(
      'criticism',
      pct(s.current.criticismShare),
      `${signed(s.change.criticismShare, 1, 100, ' pts')} · ${s.current.criticism} posts`,
      'criticism',
    ),
    card('neutral', String(s.current.neutral), `previous window: ${s.previous.neutral}`, 'neutral'),
    card(
      'mean score',
      s.current.meanScore === null ? '–' : s.current.meanScore.toFixed(2),
      `${signed(s.change.meanScore, 2)} (−1 criticism … +1 support)`,
    ),
  );
}

function renderPosts(posts: ScoredPost[]): void {
  const rows = posts.map((p) =>
    h(
      'tr',
      { class: p.result.stance },
      h('td', { class: 'time' }, utc(p.createdAt)),
      h('td', {}, h('span', { class: `badge ${p.result.stance}` }, p.result.stance)),
      h('td', { class: 'num' }, p.result.score.toFixed(2)),
      h('td', { class: 'num' }, p.result.confidence.toFixed(2)),
      h(
        'td',
        { class: 'text' },
        h('div', {}, p.text),
        h('div', { class: 'meta' }, `${p.source} · ${p.lang} · `, safeLink(p.url, 'original')),
      ),
      h('td', { class: isBuiltin(p.result.model.id) ? 'model builtin' : 'model' }, p.result.model.id),
    ),
  );
  byId('posts').replaceChildren(
    ...(rows.length
      ? rows
      : [h('tr', {}, h('td', { colspan: '6', class: 'muted' }, 'No posts for these filters yet.'))]),
  );
}

function renderAlerts(alerts: Alert[]): void {
  const sorted = [...alerts].sort((a, b) =>
    a.state === b.state ? b.startedAt.localeCompare(a.startedAt) : a.state === 'firing' ? -1 : 1,
  );
  const items = sorted.map((a) => {
    const button = h(
      'button',
      { type: 'button', class: 'alert-open', 'data-alert-id': a.id },
      h('span', { class: `state ${a.state}` }, a.state),
      ' ',
      h('span', { class: `badge ${a.stance}` }, a.stance),
      ' ',
      a.summary,
      h(
        'span',
        { class: 'muted' },
        ` · since ${utc(a.startedAt)}${a.resolvedAt ? `, resolved ${utc(a.resolvedAt)}` : ''}`,
      ),
      a.drivers?.length
        ? h(
            'span',
            { class: 'top-drivers' },
            'driven by ',
            ...a.drivers.slice(0, 5).flatMap((d, i) => [i ? ', ' : '', h('strong', {}, d.label)]),
          )
        : null,
    );
    button.addEventListener('click', () => void showAlert(a.id));
    return h('li', { class: a.state }, button);
  });
  byId('alerts').replaceChildren(...(items.length ? items : [h('li', { class: 'muted' }, 'No spike alerts.')]));
  if (openAlert && !alerts.some((a) => a.id === openAlert)) closeAlert();
}

function closeAlert(): void {
  openAlert = undefined;
  byId('alert-detail').hidden = true;
}

async function showAlert(id: string): Promise<void> {
  openAlert = id;
  const box = byId('alert-detail');
  box.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  box.hidden = false;
  const alert = (await client.get<Alert>(`api/v1/alerts/${encodeURIComponent(id)}`)).body;
  // The drivers of the alert's window, computed now against the window before it (the alert also carries the
  // drivers computed when it fired, shown when the live answer is unavailable).
  const end = Date.parse(alert.startedAt) / 1000;
  const from = Math.floor(end / 60) * 60 - alert.windowMinutes * 60;
  let live: DriversAnswer | undefined;
  try {
    live = (
      await client.get<DriversAnswer>(
        query('api/v1/drivers', { from, to: Math.floor(end / 60) * 60, stance: alert.stance }),
      )
    ).body;
  } catch {
    live = undefined;
  }
  if (openAlert !== id) return;
  const drivers = live?.drivers ?? alert.drivers ?? [];
  const close = h('button', { type: 'button', class: 'close', 'aria-label': 'close' }, '×');
  close.addEventListener('click', closeAlert);
  box.replaceChildren(
    close,
    h('h3', {}, alert.summary),
    h(
      'p',
      { class: 'muted' },
      `${alert.kind} alert on ${alert.stance}, ${alert.windowMinutes}-minute window · observed ${alert.observed}, expected ${alert.expected} · z ${alert.z.toFixed(1)} · p ${alert.pValue < 1e-12 ? '< 1e-12' : alert.pValue.toExponential(1)}`,
    ),
    h('h4', {}, 'What drove it'),
    driversList(drivers),
    h('h4', {}, 'Example posts'),
    h(
      'ul',
      { class: 'examples' },
      ...alert.examples.map((e) =>
        h(
          'li',
          {},
          h('div', {}, e.excerpt),
          h('div', { class: 'meta' }, `${e.source} · ${utc(e.createdAt)} · `, safeLink(e.url, 'original')),
        ),
      ),
    ),
    ...(live?.examples.length
      ? [
          h('h4', {}, 'Most representative posts'),
          h(
            'ul',
            { class: 'examples representative' },
            ...live.examples.map((e) =>
              h(
                'li',
                {},
                h('div', {}, e.excerpt),
                h('div', { class: 'meta' }, `${e.source} · ${e.lang} · `, safeLink(e.url, 'original')),
              ),
            ),
          ),
        ]
      : []),
  );
  box.dataset.alertId = id;
}

function driversList(drivers: AlertDriver[]): HTMLElement {
  if (!drivers.length)
    return h('p', { class: 'muted' }, 'No distinguishing terms (too few posts in the window or its baseline).');
  return h(
    'ol',
    { class: 'drivers' },
    ...drivers
      .slice(0, 12)
      .map((d) =>
        h(
          'li',
          { 'data-token': d.token },
          h('span', { class: `kind ${d.kind}` }, d.kind),
          ' ',
          h('strong', {}, d.label),
          h('span', { class: 'muted' }, ` z ${d.z.toFixed(1)} · ${d.count} in window, ${d.baselineCount} before`),
        ),
      ),
  );
}

form.addEventListener('change', (e) => {
  if ((e.target as HTMLElement).id === 'range') fillIntervals(byId<HTMLSelectElement>('range').value as Range);
  writeUrl(readView());
  void refresh();
});
form.addEventListener('submit', (e) => e.preventDefault());

applyUrl();
writeUrl(readView());
void refresh();
setInterval(() => void refresh(), refreshSeconds * 1000);
