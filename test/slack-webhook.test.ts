import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Job } from 'bullmq';
import { createLogger } from '../shared/logger.ts';
import { createMetrics } from '../shared/metrics.ts';
import type { AlertDeliveryJob } from '../shared/queues.ts';
import type { Alert } from '../shared/spikes/alert.ts';
import { deliverAlert } from '../workers/spikes/deliver-job.ts';
import { FakeSlack } from './fakes/fake-slack.ts';

/** Slack refuses a section over 3,000 characters: long examples are capped and split across sections. */
const slack = new FakeSlack();
before(() => slack.start());
after(() => slack.stop());

const at = new Date().toISOString();
function alertWith(excerpts: string[]): Alert {
  return {
    id: 'support-volume-5m-1',
    kind: 'volume',
    stance: 'support',
    windowMinutes: 5,
    state: 'firing',
    observed: 100,
    expected: 15,
    pValue: 1e-13,
    z: 7,
    startedAt: at,
    resolvedAt: null,
    summary: 'support volume spike',
    examples: excerpts.map((excerpt, i) => ({
      excerpt,
      url: `https://a.social/@x/${i}`,
      source: 'mastodon',
      createdAt: at,
    })),
  };
}
async function deliver(a: Alert) {
  const job = {
    data: { webhook: { format: 'slack', url: `${slack.url}/hook` }, alert: a },
    attemptsMade: 0,
    opts: { attempts: 1 },
  } as unknown as Job<AlertDeliveryJob>;
  await deliverAlert(job, {
    metrics: createMetrics(),
    log: createLogger('silent'),
    alerts: { baseUrl: 'http://127.0.0.1:8080', timeoutMs: 5_000 },
  });
}

test('the fake refuses an over-long section, as Slack does', async () => {
  const res = await fetch(`${slack.url}/hook`, {
    method: 'POST',
    body: JSON.stringify({
      text: 'x',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'a'.repeat(3_001) } }],
    }),
  });
  assert.equal(res.status, 400);
  assert.equal(await res.text(), 'invalid_blocks');
});

test('five long examples (with characters that grow when escaped) are delivered, none cut to nothing', async () => {
  const long = (i: number) => `${i} Durov <b>&amp; ${'&<>'.repeat(300)} ${'x'.repeat(1_200)}`;
  await deliver(alertWith([0, 1, 2, 3, 4].map(long)));
  const msg = slack.accepted.at(-1)!;
  const sections = msg.blocks.filter((b) => b.type === 'section').map((b) => b.text!.text);
  assert.ok(sections.every((t) => t.length <= 3_000));
  const examples = sections.slice(1).join('\n').split('\n');
  assert.equal(examples.length, 5, 'every example is there');
  assert.ok(
    examples.every(
      (l, i) => l.startsWith(`• ${i} Durov &lt;b&gt;&amp;amp;`) && l.endsWith(`(<https://a.social/@x/${i}|mastodon>)`),
    ),
  );
  assert.ok(!sections.join('').includes('<b>'), 'post text cannot inject markup');
});

test('one excerpt longer than a section is cut, with its link kept', async () => {
  await deliver(alertWith(['Durov '.repeat(2_000)]));
  const text = slack.accepted.at(-1)!.blocks[1]!.text!.text;
  assert.ok(text.length <= 3_000 && text.includes('…') && text.endsWith('(<https://a.social/@x/0|mastodon>)'));
});
