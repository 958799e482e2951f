import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';

/**
 * The operator's files checked by the tools that will read them: promtool (config, rules, rule unit
 * tests), amtool (Alertmanager config), docker-compose (the stack), plus the shape Grafana provisioning needs.
 * On a machine without the tools the checks are skipped; CI (`bash .ci/run`, CI=true) installs them and never skips.
 */
function tool(name: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(name, args, { encoding: 'utf8', env: { ...process.env, ...env } });
}
const has = (name: string, versionArg = '--version') => tool(name, [versionArg]).status === 0;
const skipUnless = (ok: boolean, what: string) =>
  ok || process.env.CI ? false : `${what} is not installed (bash .ci/run installs it)`;

test('promtool: Prometheus config and rules are valid', { skip: skipUnless(has('promtool'), 'promtool') }, () => {
  const config = tool('promtool', ['check', 'config', 'ops/prometheus/prometheus.yml']);
  assert.equal(config.status, 0, config.stdout + config.stderr);
  const rules = tool('promtool', ['check', 'rules', 'ops/prometheus/rules/stancewatch.rules.yml']);
  assert.equal(rules.status, 0, rules.stdout + rules.stderr);
});

test(
  'promtool test rules: every alert fires when it should and stays quiet when it should',
  { skip: skipUnless(has('promtool'), 'promtool') },
  () => {
    const r = tool('promtool', ['test', 'rules', 'ops/prometheus/tests/stancewatch.test.yml']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const ruleFile = parseYaml(readFileSync('ops/prometheus/rules/stancewatch.rules.yml', 'utf8')) as {
      groups: Array<{
        rules: Array<{
          alert?: string;
          for?: string;
          labels?: Record<string, string>;
          annotations?: Record<string, string>;
        }>;
      }>;
    };
    const tests = readFileSync('ops/prometheus/tests/stancewatch.test.yml', 'utf8');
    const runbook = readFileSync('ops/RUNBOOK.md', 'utf8');
    for (const rule of ruleFile.groups.flatMap((g) => g.rules).filter((x) => x.alert)) {
      assert.ok(
        new RegExp(`alertname: ${rule.alert}\\n\\s+exp_alerts:\\n\\s+- exp_labels`).test(tests),
        `${rule.alert} has a test where it fires`,
      );
      assert.ok(
        new RegExp(`alertname: ${rule.alert}\\n\\s+exp_alerts: \\[\\]`).test(tests),
        `${rule.alert} has a test where it stays quiet`,
      );
      assert.ok(rule.for !== undefined, `${rule.alert} has a for`);
      assert.ok(['page', 'warning'].includes(rule.labels?.severity ?? ''), `${rule.alert} has a severity`);
      assert.ok(rule.annotations?.summary && rule.annotations.description, `${rule.alert} has summary and description`);
      const anchor = rule.annotations?.runbook?.split('#')[1];
      assert.ok(
        anchor &&
          runbook.toLowerCase().includes(`## ${rule.alert!.toLowerCase()}`) &&
          anchor === rule.alert!.toLowerCase(),
        `${rule.alert} has a runbook entry`,
      );
    }
  },
);

test('amtool: the Alertmanager config is valid', { skip: skipUnless(has('amtool'), 'amtool') }, () => {
  const r = tool('amtool', ['check-config', 'ops/alertmanager/alertmanager.yml']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test(
  'docker-compose: the full stack is valid, with no secret in the file',
  { skip: skipUnless(has('docker-compose'), 'docker-compose') },
  () => {
    const r = tool('docker-compose', ['-f', 'docker-compose.yml', 'config'], { GRAFANA_ADMIN_PASSWORD: 'ci-only' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const services = Object.keys((parseYaml(r.stdout) as { services: Record<string, unknown> }).services).sort();
    assert.deepEqual(services, ['alertmanager', 'api', 'grafana', 'prometheus', 'redis', 'tei', 'workers']);
    const raw = readFileSync('docker-compose.yml', 'utf8');
    // Secret-looking settings must come from the environment (${VAR…}), never be written here.
    const literalSecret = /^\s*[A-Z_]*(PASSWORD|SECRET|TOKEN|KEY)[A-Z_]*:\s*(?!\$\{)\S+/m;
    assert.ok(!literalSecret.test(raw) && !/hf_[A-Za-z0-9]{10,}/.test(raw), 'no secret written into the compose file');
    const unset = tool('docker-compose', ['-f', 'docker-compose.yml', 'config'], { GRAFANA_ADMIN_PASSWORD: '' });
    assert.notEqual(unset.status, 0, 'Grafana refuses to start without an admin password');
  },
);

test('Grafana: provisioned datasource and dashboards with fixed uids on a 24-column grid', () => {
  const ds = parseYaml(readFileSync('ops/grafana/provisioning/datasources/prometheus.yml', 'utf8')) as {
    datasources: Array<{ uid: string; type: string }>;
  };
  const uid = ds.datasources[0]!.uid;
  const files = readdirSync('ops/grafana/dashboards');
  const dashboards = files.map(
    (f) =>
      JSON.parse(readFileSync(join('ops/grafana/dashboards', f), 'utf8')) as {
        uid: string;
        schemaVersion: number;
        templating: { list: Array<{ name: string }> };
        panels: Array<{
          type: string;
          gridPos: { x: number; w: number; h: number };
          datasource?: { uid: string };
          targets?: unknown[];
        }>;
      },
  );
  assert.deepEqual(dashboards.map((d) => d.uid).sort(), ['stancewatch-discussion', 'stancewatch-pipeline']);
  for (const d of dashboards) {
    assert.equal(d.schemaVersion, 39);
    assert.ok(
      d.templating.list.some((v) => v.name === 'source'),
      `${d.uid} has a source variable`,
    );
    for (const p of d.panels) {
      assert.ok(p.gridPos.x + p.gridPos.w <= 24, `${d.uid}: panel inside the grid`);
      if (p.targets) assert.equal(p.datasource?.uid, uid, `${d.uid}: panels use the provisioned datasource`);
    }
  }
  assert.ok(dashboards.find((d) => d.uid === 'stancewatch-discussion')!.templating.list.some((v) => v.name === 'lang'));
});
