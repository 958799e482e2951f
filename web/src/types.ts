import type { AlertState, SpikeKind, SpikeStance, Stance, TokenKind } from '../../shared/lists.ts';

export type { Stance };

/** The shapes of the public API's answers, as far as the dashboard reads them (see /api/v1/openapi.json). */
export interface StanceSummary {
  support: number;
  criticism: number;
  neutral: number;
  total: number;
  supportShare: number | null;
  criticismShare: number | null;
  meanScore: number | null;
}

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

export interface Driver {
  token: string;
  kind: TokenKind;
  label: string;
  z: number;
  delta: number;
  count: number;
  baselineCount: number;
}

export interface DriversAnswer {
  drivers: Driver[];
  examples: Array<{ excerpt: string; url: string; source: string; lang: string; createdAt: string }>;
  window: { from: string; to: string };
  baseline: { from: string; to: string };
  posts: { window: number; baseline: number };
}

export interface Alert {
  id: string;
  kind: SpikeKind;
  stance: SpikeStance;
  windowMinutes: number;
  state: AlertState;
  observed: number;
  expected: number;
  pValue: number;
  z: number;
  startedAt: string;
  resolvedAt: string | null;
  summary: string;
  examples: Array<{ excerpt: string; url: string; source: string; createdAt: string }>;
  drivers?: Driver[];
}
