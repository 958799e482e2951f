import type { AlertState, SpikeKind, SpikeStance, TokenKind } from '../lists.ts';

/*
 * The alert's shape on its own, with no Node.js import, so the dashboard (web/) reads the very type the API
 * serves instead of a copy of it.
 */

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
