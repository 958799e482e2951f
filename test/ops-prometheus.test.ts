import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse as parseYaml } from 'yaml';
import { FakeHuggingFace, HF_503 } from './fakes/fake-huggingface.ts';
import { FakeMastodon } from '../dev/fakes/fake-mastodon.ts';
import { startStack, type TestStack } from './helpers/pipeline.ts';
import { freePort, startRedis, type TestRedis } from './helpers/redis-server.ts';

/**
 * Keeps dashboards and rules from rotting: a real Prometheus scrapes a running stancewatch fed by fake
 * sources, then every PromQL expression of the dashboards and rules is run against it. Dashboard,
 * annotation and recording-rule expressions must return at least one series; alerting rules must
 * evaluate without error, and every metric they read must exist (their thresholds keep them quiet here).
 */
const hasPrometheus = spawnSync('prometheus', ['--version']).status === 0;
let redis: TestRedis;
let stack: TestStack;
let prom: ChildProcess | undefined;
let promUrl = '';
let dir = '';
const mastodon = new FakeMastodon();
const hf = new FakeHuggingFace();

interface RuleFile {
  groups: Array<{ rules: Array<{ record?: string; alert?: string; expr: string }> }>;
}
const rules = parseYaml(readFileSync('ops/prometheus/rules/stancewatch.rules.yml', 'utf8')) as RuleFile;
const dashboards = readdirSync('ops/grafana/dashboards').map(
  (f) =>
    JSON.parse(readFileSync(join('ops/grafana/dashboards', f), 'utf8')) as {
      uid: string;
      panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
      templating: { list: Array<{ name: string; query: { query: string } }> };
      annotations?: { list: Array<{ expr: string; name: string }> };
    },
);

/** Grafana's variables, as the dashboards would fill them with "All". */
const grafanaToPromQL = (expr: string) =>
  expr.replaceAll('$__rate_interval', '30s').replace(/\$(source|lang)\b/g, '.*');

async function query(expr: string): Promise<Array<{ metric: Record<string, string> }>> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { result: Array<{ metric: Record<string, string> }> };
  };
  assert.equal(body.status, 'success', `${expr}: ${body.error}`);
  return body.data!.result;
}

before(async () => {
  if (!hasPrometheus) return;
  redis = await startRedis();
  await mastodon.start();
  await hf.start();
  hf.judge = (text) => (text.includes('Free') ? 'support' : text.includes('accountable') ? 'criticism' : 'neutral');
  hf.failNext(HF_503); // so the model-error series exist
  mastodon.post('durov', { content: '<p>Free Durov!</p>', language: 'en' }, new Date(Date.now() - 120_000));
  mastodon.post(
    'durov',
    { content: '<p>Telegram must be held accountable, Durov knew</p>', language: 'en' },
    new Date(Date.now() - 60_000),
  );
  mastodon.post(
    'durov',
    { content: '<p>Дуров задержан во Франции</p>', language: 'ru' },
    new Date(Date.now() - 30_000),
  );
  stack = await startStack({
    REDIS_URL: redis.url,
    MASTODON_INSTANCES: mastodon.url,
    MASTODON_TAGS: 'durov',
    HF_ENDPOINT_URL: `${hf.url}/`,
    HF_BACKOFF_BASE_MS: '10',
  });
  for (let i = 0; i < 200; i++) {
    const aggregated = (await stack.metrics.postsAggregated.get()).values.reduce((a, v) => a + v.value, 0);
    if (aggregated >= 3) break;
    await sleep(50);
  }

  dir = mkdtempSync(join(tmpdir(), 'sw-prom-'));
  const port = await freePort();
  const target = new URL(stack.api).host;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: ["${resolve('ops/prometheus/rules/stancewatch.rules.yml')}"]`,
      'scrape_configs:',
      `  - job_name: stancewatch-api`,
      `    static_configs: [{ targets: ["${target}"] }]`,
    ].join('\n'),
  );
  prom = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
  promUrl = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const up = await query('up{job="stancewatch-api"} == 1');
      const samples = await query('count_over_time(stancewatch_redis_up[1m]) >= 6');
      if (up.length && samples.length) break;
    } catch {
      // not listening yet
    }
    assert.ok(i < 300, 'Prometheus scraped stancewatch');
    await sleep(100);
  }
  await sleep(2_000); // a couple of rule evaluations
});

after(async () => {
  prom?.kill('SIGKILL');
  if (prom) await new Promise((r) => prom!.once('exit', r));
  await stack?.stop();
  await mastodon.stop();
  await hf.stop();
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const skip = !hasPrometheus && !process.env.CI ? 'prometheus is not installed (bash .ci/run installs it)' : false;

test('every dashboard panel expression returns at least one series', { skip }, async () => {
  let checked = 0;
  for (const d of dashboards) {
    for (const p of d.panels) {
      for (const target of p.targets ?? []) {
        const result = await query(grafanaToPromQL(target.expr));
        assert.ok(result.length > 0, `${d.uid} / ${p.title}: ${target.expr} returned no series`);
        checked++;
      }
    }
    for (const a of d.annotations?.list ?? []) {
      assert.ok((await query(grafanaToPromQL(a.expr))).length > 0, `${d.uid} annotation ${a.name}`);
      checked++;
    }
  }
  assert.ok(checked >= 20, `${checked} expressions checked`);
});

test('every dashboard variable has values', { skip }, async () => {
  for (const d of dashboards) {
    for (const v of d.templating.list) {
      const m = /^label_values\((\w+), (\w+)\)$/.exec(v.query.query);
      assert.ok(m, `${d.uid} variable ${v.name}: ${v.query.query}`);
      const res = (await (await fetch(`${promUrl}/api/v1/label/${m[2]}/values?match[]=${m[1]}`)).json()) as {
        data: string[];
      };
      assert.ok(res.data.length > 0, `${d.uid} variable ${v.name} has no values`);
    }
  }
});

test('recording rules return series, and their results are recorded', { skip }, async () => {
  const recording = rules.groups.flatMap((g) => g.rules).filter((r) => r.record);
  assert.ok(recording.length >= 4);
  for (const r of recording) {
    assert.ok((await query(r.expr)).length > 0, `${r.record}: ${r.expr}`);
    assert.ok((await query(r.record!)).length > 0, `${r.record} is recorded`);
  }
});

test('alerting rules evaluate cleanly and every metric they read exists', { skip }, async () => {
  const res = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as {
    data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string; type: string }> }> };
  };
  const loaded = res.data.groups.flatMap((g) => g.rules);
  const alerting = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert);
  assert.equal(loaded.filter((r) => r.type === 'alerting').length, alerting.length);
  for (const r of loaded) assert.equal(r.health, 'ok', `${r.name}: ${r.lastError}`);
  for (const r of alerting) {
    const metrics = new Set(
      [...r.expr.matchAll(/\b(stancewatch_[a-z_]+|up)\b(?=\s*[{[)]|\s*$|\s)/g)].map((m) => m[1]!),
    );
    assert.ok(metrics.size > 0, `${r.alert} reads some metric`);
    for (const m of metrics)
      assert.ok((await query(m)).length > 0, `${r.alert} reads ${m}, which Prometheus has no series of`);
  }
});
