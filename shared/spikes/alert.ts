import { createHash, createHmac } from 'node:crypto';
import type { AlertState, SpikeKind, SpikeStance, TokenKind, WebhookFormat } from '../lists.ts';
import type { Assessment } from './detector.ts';

/** A spike alert as stored, served by the API and sent to webhooks. */
export interface AlertExample {
  excerpt: string;
  url: string;
  source: string;
  createdAt: string;
}

export interface Alert {
  id: string;
  kind: SpikeKind;
  stance: SpikeStance;
  windowMinutes: number;
  state: AlertState;
  /** Count (volume) or share (share) in the window that fired, and what the baseline expected. */
  observed: number;
  expected: number;
  pValue: number;
  z: number;
  startedAt: string;
  resolvedAt: string | null;
  summary: string;
  examples: AlertExample[];
  /** What distinguished the window from the detector's baseline when the alert fired (GET /api/v1/drivers); absent on older alerts. */
  drivers?: AlertDriver[];
}

export interface AlertDriver {
  token: string;
  kind: TokenKind;
  label: string;
  z: number;
  count: number;
  baselineCount: number;
}

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

/** The body each webhook format expects. Pure. */
export function webhookBody(format: WebhookFormat, alert: Alert, baseUrl: string): unknown {
  const link = `${baseUrl.replace(/\/$/, '')}/api/v1/alerts/${alert.id}`;
  if (format === 'slack') {
    const icon = alert.state === 'firing' ? ':rotating_light:' : ':white_check_mark:';
    const examples = alert.examples.map((e) => `• ${escapeSlack(e.excerpt)} (<${e.url}|${e.source}>)`).join('\n');
    return {
      text: `${icon} [${alert.state.toUpperCase()}] stancewatch: ${alert.summary}`,
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: `${icon} *[${alert.state.toUpperCase()}]* ${escapeSlack(alert.summary)}\n<${link}|alert ${alert.id}>`,
          },
        },
        ...(alert.drivers?.length
          ? [{ type: 'section', text: { type: 'mrkdwn', text: `*What drove it:* ${escapeSlack(driversLine(alert))}` } }]
          : []),
        ...(examples ? [{ type: 'section', text: { type: 'mrkdwn', text: examples } }] : []),
      ],
    };
  }
  if (format === 'alertmanager') {
    const labels = {
      alertname: 'StancewatchSpike',
      stance: alert.stance,
      kind: alert.kind,
      window: `${alert.windowMinutes}m`,
      severity: 'page',
    };
    return {
      version: '4',
      groupKey: `{}:{alertname="StancewatchSpike", stance="${alert.stance}"}`,
      truncatedAlerts: 0,
      status: alert.state,
      receiver: 'stancewatch',
      groupLabels: { alertname: 'StancewatchSpike', stance: alert.stance },
      commonLabels: labels,
      commonAnnotations: { summary: alert.summary },
      externalURL: baseUrl,
      alerts: [
        {
          status: alert.state,
          labels,
          annotations: {
            summary: alert.summary,
            description: alert.examples.map((e) => `${e.excerpt} — ${e.url}`).join('\n'),
            z: alert.z.toFixed(2),
            p_value: String(alert.pValue),
            drivers: driversLine(alert),
          },
          startsAt: alert.startedAt,
          endsAt: alert.resolvedAt ?? '0001-01-01T00:00:00Z',
          generatorURL: link,
          fingerprint: createHash('sha256').update(JSON.stringify(labels)).digest('hex').slice(0, 16),
        },
      ],
    };
  }
  return { type: 'stancewatch.spike', alert: { ...alert, url: link } };
}

/** `X-Stancewatch-Signature: sha256=<hex>` over "<timestamp>.<body>", so a receiver can reject replays. */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Slack mrkdwn treats &, < and > as markup: post text must not be able to inject links or mentions. */
function escapeSlack(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
