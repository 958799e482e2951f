import { createHash, createHmac } from 'node:crypto';
import type { SpikeKind, SpikeStance, WebhookFormat } from '../lists.ts';
import type { Alert, AlertExample } from './alert-types.ts';
import type { Assessment } from './detector.ts';
import { plainText, plainUrl, slackLink, slackText } from '../text/escape.ts';

export type { Alert, AlertDriver, AlertExample } from './alert-types.ts';

/** "scam (z 4.1), #telegramscams (z 3.9), …": the top drivers in one line, for chat and Alertmanager. */
export function driversLine(alert: Pick<Alert, 'drivers'>, n = 8): string {
  return (alert.drivers ?? [])
    .slice(0, n)
    .map((d) => `${d.label} (z ${d.z.toFixed(1)})`)
    .join(', ');
}

export function alertId(stance: SpikeStance, kind: SpikeKind, windowMinutes: number, startedAtMs: number): string {
  return `${stance}-${kind}-${windowMinutes}m-${Math.floor(startedAtMs / 60_000)}`;
}

export function describe(
  stance: SpikeStance,
  kind: SpikeKind,
  windowMinutes: number,
  a: Pick<Assessment, 'observed' | 'expected' | 'pValue'>,
): string {
  const p = a.pValue < 1e-12 ? '< 1e-12' : a.pValue.toExponential(1);
  return kind === 'volume'
    ? `${stance} volume spike: ${a.observed} posts in ${windowMinutes} min against ${a.expected.toFixed(1)} expected (p ${p})`
    : `${stance} share shift: ${(a.observed * 100).toFixed(0)}% of posts in ${windowMinutes} min against ${(a.expected * 100).toFixed(0)}% usual (p ${p})`;
}

/** Slack Block Kit refuses a section whose text is over 3,000 characters (400 invalid_blocks). */
export const SLACK_SECTION_MAX = 3_000;
/**
 * A firing alert posted to Alertmanager's ingest API ends by itself after this long unless resolved
 * earlier: we post on state changes only, and a lost resolution must not leave it firing for ever.
 */
export const ALERTMANAGER_FIRING_HOLD_MS = 24 * 3_600_000;

/** The body each webhook format expects. Pure. */
export function webhookBody(format: WebhookFormat, alert: Alert, baseUrl: string): unknown {
  const link = `${baseUrl.replace(/\/$/, '')}/api/v1/alerts/${alert.id}`;
  if (format === 'slack') {
    const icon = alert.state === 'firing' ? ':rotating_light:' : ':white_check_mark:';
    // Post text and URLs are untrusted: escaped, so they cannot inject mentions (<!channel>) or links.
    const lines = alert.examples.map((e) => slackExampleLine(e));
    return {
      text: `${icon} [${alert.state.toUpperCase()}] stancewatch: ${slackText(alert.summary)}`,
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: `${icon} *[${alert.state.toUpperCase()}]* ${slackText(alert.summary)}\n${slackLink(link, `alert ${alert.id}`)}`.slice(
              0,
              SLACK_SECTION_MAX,
            ),
          },
        },
        ...(alert.drivers?.length
          ? [
              {
                type: 'section',
                text: {
                  type: 'mrkdwn',
                  text: `*What drove it:* ${slackText(driversLine(alert))}`.slice(0, SLACK_SECTION_MAX),
                },
              },
            ]
          : []),
        ...packSections(lines).map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } })),
      ],
    };
  }
  if (format === 'generic') {
    return {
      type: 'stancewatch.spike',
      alert: { ...alert, examples: (alert.examples ?? []).map((e) => ({ ...e, url: plainUrl(e.url) })), url: link },
    };
  }
  const labels = {
    alertname: 'StancewatchSpike',
    alert_id: alert.id,
    stance: alert.stance,
    kind: alert.kind,
    window: `${alert.windowMinutes}m`,
    severity: 'page',
  };
  const annotations = {
    summary: plainText(alert.summary),
    description: alert.examples.map((e) => `${plainText(e.excerpt)} — ${plainUrl(e.url)}`).join('\n'),
    z: alert.z.toFixed(2),
    p_value: String(alert.pValue),
    ...(alert.drivers?.length ? { drivers: plainText(driversLine(alert)) } : {}),
  };
  if (format === 'alertmanager') {
    // Alertmanager's ingest API (api/v2/openapi.yaml, postAlerts): an array of postable alerts. It resolves
    // an alert when endsAt has passed, so a resolution is the same labels with endsAt = when it ended.
    const endsAt =
      alert.resolvedAt ?? new Date(Date.parse(alert.startedAt) + ALERTMANAGER_FIRING_HOLD_MS).toISOString();
    return [{ labels, annotations, startsAt: alert.startedAt, endsAt, generatorURL: link }];
  }
  {
    // alertmanager-webhook: the notification Alertmanager sends to its webhook receivers (notify/webhook/webhook.go, version 4).
    return {
      version: '4',
      groupKey: `{}:{alertname="StancewatchSpike", stance="${alert.stance}"}`,
      truncatedAlerts: 0,
      status: alert.state,
      receiver: 'stancewatch',
      groupLabels: { alertname: 'StancewatchSpike', stance: alert.stance },
      commonLabels: labels,
      commonAnnotations: { summary: plainText(alert.summary) },
      externalURL: baseUrl,
      alerts: [
        {
          status: alert.state,
          labels,
          annotations,
          startsAt: alert.startedAt,
          endsAt: alert.resolvedAt ?? '0001-01-01T00:00:00Z',
          generatorURL: link,
          fingerprint: createHash('sha256').update(JSON.stringify(labels)).digest('hex').slice(0, 16),
        },
      ],
    };
  }
}

/** One example as a Slack line, never longer than a section allows (post text and URLs are untrusted). */
function slackExampleLine(e: AlertExample): string {
  const link = `(${slackLink(e.url, e.source)})`;
  const suffix = link.length <= 1_000 ? link : `(${slackText(e.source)})`;
  const room = SLACK_SECTION_MAX - suffix.length - 4;
  let excerpt = slackText(e.excerpt);
  // Cut on the escaped text, then drop a half-cut entity such as "&am".
  if (excerpt.length > room) excerpt = `${excerpt.slice(0, room - 1).replace(/&[a-z]*$/, '')}…`;
  return `• ${excerpt} ${suffix}`;
}

/** Lines packed into as few sections as fit under Slack's limit. */
function packSections(lines: string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const last = out.at(-1);
    if (last !== undefined && last.length + 1 + line.length <= SLACK_SECTION_MAX)
      out[out.length - 1] = `${last}\n${line}`;
    else out.push(line);
  }
  return out;
}

/** `X-Stancewatch-Signature: sha256=<hex>` over "<timestamp>.<body>", so a receiver can reject replays. */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
