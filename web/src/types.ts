import type { StanceSummary } from '../../shared/buckets.ts';
import type { Stance } from '../../shared/lists.ts';
import type { AlertDriver } from '../../shared/spikes/alert-types.ts';

// The answers' shared parts are the server's own types: the dashboard cannot drift from what the API sends.
export type { Stance, StanceSummary };
export type { Alert, AlertDriver } from '../../shared/spikes/alert-types.ts';

/** The shapes of the public API's answers, as far as the dashboard reads them (see /api/v1/openapi.json). */
export interface TrendsAnswer {
  from: string;
  to: string;
  interval: string;
  models: Record<string, number>;
  buckets: Array<StanceSummary & { start: string; end: string }>;
}

export interface SummaryAnswer {
  window: string;
  current: StanceSummary & { from: string; to: string };
  previous: StanceSummary & { from: string; to: string };
  change: {
    total: number;
    totalRatio: number | null;
    supportShare: number | null;
    criticismShare: number | null;
    meanScore: number | null;
  };
  models: Record<string, number>;
}

export interface ScoredPost {
  source: string;
  url: string;
  text: string;
  lang: string;
  createdAt: string;
  result: { stance: Stance; score: number; confidence: number; model: { id: string; kind: string } };
}

/** A driver from GET /api/v1/drivers: an alert's driver and how far the token's share moved. */
export interface Driver extends AlertDriver {
  delta: number;
}

export interface DriversAnswer {
  drivers: Driver[];
  examples: Array<{ excerpt: string; url: string; source: string; lang: string; createdAt: string }>;
  window: { from: string; to: string };
  baseline: { from: string; to: string };
  posts: { window: number; baseline: number };
}
