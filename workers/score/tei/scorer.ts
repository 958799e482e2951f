import { parseRetryAfter } from '../../../shared/backoff.ts';
import { hostOf } from '../../../shared/http.ts';
import type { Logger } from '../../../shared/logger.ts';
import type { RequestBudget } from '../../../shared/request-budget.ts';
import type { Metrics } from '../../../shared/metrics.ts';
import type { ModelRef, StanceResult } from '../../../shared/post.ts';
import { withRetries } from '../../../shared/retry.ts';
import { zeroShotFromNli, type PairLogits } from './nli.ts';
import { InputRejectedError, rejectsInput } from '../rejected-input.ts';
import { hasScorableText, type Scorer } from '../scorer.ts';
import { DEFAULT_HYPOTHESES, ModelOutputError, setupVersion, type Hypotheses } from '../stance-map.ts';

export interface TeiOptions {
  /** Base URL of a Text Embeddings Inference server running an NLI (sequence-classification) model. */
  url: string;
  apiKey?: string;
  /** What to call the model in results (TEI does not say which model it serves). */
  modelLabel: string;
  /** Pairs per request; TEI refuses more than its --max-client-batch-size (default 32) with 413. */
  maxBatch: number;
  timeoutMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  multiLabel: boolean;
  hypotheses?: Hypotheses;
  budget?: RequestBudget;
  metrics: Metrics;
  log: Logger;
}

const MAX_INPUT_CHARS = 1_500;

class TeiError extends Error {
  constructor(readonly status: string, message: string, readonly retryAfterMs?: number) {
    super(message);
    this.name = 'TeiError';
  }
}

/**
 * Stance from a self-hosted TEI server (`POST /predict`). Unlike the serverless client, TEI batches: each
 * post becomes three (post, hypothesis) pairs, many posts go in one request with `raw_scores: true`, and
 * the zero-shot step runs here (workers/score/nli.ts). A 413 (batch larger than the server allows) halves
 * the batch, and the smaller size is kept for later requests.
 */
export class TeiScorer implements Scorer {
  readonly model: ModelRef;
  private batch: number;
  private readonly hyps: Hypotheses;

  constructor(private readonly opts: TeiOptions) {
    this.hyps = opts.hypotheses ?? DEFAULT_HYPOTHESES;
    this.model = { id: `tei:${opts.modelLabel}`, kind: 'tei', setup: setupVersion(this.hyps, opts.multiLabel) };
    this.batch = Math.max(3, opts.maxBatch - (opts.maxBatch % 3));
  }

  async score(texts: string[]): Promise<StanceResult[]> {
    const results: Array<StanceResult | undefined> = texts.map((t) => (hasScorableText(t) ? undefined : { stance: 'neutral', score: 0, confidence: 1, model: this.model }));
    const todo = texts.map((t, i) => ({ t: t.slice(0, MAX_INPUT_CHARS), i })).filter((x) => !results[x.i]);
    const hyps = [this.hyps.support, this.hyps.criticism, this.hyps.neutral];
    const pairs = todo.flatMap((x) => hyps.map((h) => [x.t, h] as [string, string]));
    const logits = await this.predictAll(pairs).catch((err: unknown) => {
      // A refusal of the request's content (422, or 413 even at the smallest batch) goes to the poison handling.
      if (err instanceof TeiError && rejectsInput(Number(err.status))) throw new InputRejectedError(err.status, err.message);
      throw err;
    });
    todo.forEach((x, k) => {
      const three = logits.slice(k * 3, k * 3 + 3) as [PairLogits, PairLogits, PairLogits];
      results[x.i] = { ...zeroShotFromNli(three, this.hyps, this.opts.multiLabel), model: this.model };
    });
    return results as StanceResult[];
  }

  private async predictAll(pairs: Array<[string, string]>): Promise<PairLogits[]> {
    const out: PairLogits[] = [];
    for (let i = 0; i < pairs.length;) {
      const chunk = pairs.slice(i, i + this.batch);
      try {
        out.push(...(await this.predictWithRetries(chunk)));
        i += chunk.length;
      } catch (err) {
        if (!(err instanceof TeiError && err.status === '413') || this.batch <= 3) throw err;
        this.batch = Math.max(3, Math.floor(this.batch / 6) * 3); // halve, keeping a post's three pairs together
        this.opts.log.warn({ batch: this.batch }, 'TEI refused the batch size (413); using smaller batches');
      }
    }
    return out;
  }

  private predictWithRetries(pairs: Array<[string, string]>): Promise<PairLogits[]> {
    return withRetries(() => this.predict(pairs), {
      attempts: this.opts.maxAttempts,
      baseMs: this.opts.backoffBaseMs,
      maxMs: this.opts.backoffMaxMs,
      decide: (err) => {
        if (!(err instanceof TeiError)) return { retry: false };
        if (err.status === '429') return { retry: true, ...(err.retryAfterMs !== undefined ? { afterMs: err.retryAfterMs } : {}) };
        return { retry: ['timeout', 'network', '503', '500', '502', '504'].includes(err.status) };
      },
      onRetry: (err, attempt, waitMs) => this.opts.log.warn({ status: (err as TeiError).status, attempt, waitMs }, 'TEI request failed; retrying'),
    });
  }

  private async predict(pairs: Array<[string, string]>): Promise<PairLogits[]> {
    await this.opts.budget?.take();
    const stop = this.opts.metrics.modelRequestDuration.startTimer({ scorer: 'tei' });
    this.opts.metrics.modelItemsPerRequest.observe({ scorer: 'tei' }, pairs.length / 3);
    try {
      let res: Response;
      try {
        res = await fetch(new URL('predict', this.opts.url.endsWith('/') ? this.opts.url : `${this.opts.url}/`), {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(this.opts.apiKey ? { authorization: `Bearer ${this.opts.apiKey}` } : {}) },
          body: JSON.stringify({ inputs: pairs, raw_scores: true, truncate: true, truncation_direction: 'right' }),
          signal: AbortSignal.timeout(this.opts.timeoutMs),
        });
      } catch (err) {
        const name = (err as { name?: string }).name;
        throw name === 'TimeoutError' || name === 'AbortError' ? new TeiError('timeout', 'TEI request timed out') : new TeiError('network', `TEI at ${hostOf(this.opts.url)} unreachable`);
      }
      const text = await res.text();
      if (!res.ok) {
        let detail = '';
        try {
          detail = String((JSON.parse(text) as { error?: unknown }).error ?? '').slice(0, 200);
        } catch {
          // not JSON: the status says enough
        }
        throw new TeiError(String(res.status), `TEI answered ${res.status}${detail ? `: ${detail}` : ''}`, parseRetryAfter(res.headers.get('retry-after'), Date.now()));
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new ModelOutputError('TEI answer is not JSON');
      }
      // A batch of one can come back flat ([{label, score}, …]) instead of nested.
      const rows = Array.isArray(json) && pairs.length === 1 && json.length > 0 && !Array.isArray(json[0]) ? [json] : json;
      if (!Array.isArray(rows) || rows.length !== pairs.length || !rows.every((r) => Array.isArray(r))) {
        throw new ModelOutputError(`TEI answered ${Array.isArray(rows) ? rows.length : 'no'} rows for ${pairs.length} pairs`);
      }
      stop({ outcome: 'ok' });
      return rows as PairLogits[];
    } catch (err) {
      stop({ outcome: 'error' });
      this.opts.metrics.modelErrors.inc({ scorer: 'tei', status: err instanceof TeiError ? err.status : 'malformed' });
      if (err instanceof ModelOutputError) throw new TeiError('malformed', err.message);
      throw err;
    }
  }
}
