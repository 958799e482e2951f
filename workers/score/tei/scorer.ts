import { parseRetryAfter } from '../../../shared/backoff.ts';
import { hostOf } from '../../../shared/http.ts';
import type { Logger } from '../../../shared/logger.ts';
import type { RequestBudget } from '../../../shared/request-budget.ts';
import type { Metrics } from '../../../shared/metrics.ts';
import type { ModelRef, StanceResult } from '../../../shared/post.ts';
import { callModel, ModelCallError, transportFailure, type ModelRetryOptions } from '../model-call.ts';
import { zeroShotFromNli, type PairLogits } from './nli.ts';
import { hasScorableText, type Scorer, type ScorerFactory } from '../scorer.ts';
import { DEFAULT_HYPOTHESES, setupVersion, type Hypotheses } from '../stance-map.ts';

export interface TeiOptions extends ModelRetryOptions {
  /** Base URL of a Text Embeddings Inference server running an NLI (sequence-classification) model. */
  url: string;
  apiKey?: string;
  /** What to call the model in results (TEI does not say which model it serves). */
  modelLabel: string;
  /** Pairs per request; TEI refuses more than its --max-client-batch-size (default 32) with 413. */
  maxBatch: number;
  multiLabel: boolean;
  hypotheses?: Hypotheses;
  budget?: RequestBudget;
  metrics: Metrics;
  log: Logger;
}

const MAX_INPUT_CHARS = 1_500;

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
    const results: Array<StanceResult | undefined> = texts.map((t) =>
      hasScorableText(t) ? undefined : { stance: 'neutral', score: 0, confidence: 1, model: this.model },
    );
    const todo = texts.map((t, i) => ({ t: t.slice(0, MAX_INPUT_CHARS), i })).filter((x) => !results[x.i]);
    const hyps = [this.hyps.support, this.hyps.criticism, this.hyps.neutral];
    const pairs = todo.flatMap((x) => hyps.map((h) => [x.t, h] as [string, string]));
    const logits = await this.predictAll(pairs);
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
        if (!(err instanceof ModelCallError && err.status === '413') || this.batch <= 3) throw err;
        this.batch = Math.max(3, Math.floor(this.batch / 6) * 3); // halve, keeping a post's three pairs together
        this.opts.log.warn({ batch: this.batch }, 'TEI refused the batch size (413); using smaller batches');
      }
    }
    return out;
  }

  private predictWithRetries(pairs: Array<[string, string]>): Promise<PairLogits[]> {
    return callModel('tei', pairs.length / 3, () => this.predict(pairs), { ...this.opts, opts: this.opts });
  }

  private async predict(pairs: Array<[string, string]>): Promise<PairLogits[]> {
    let res: Response;
    try {
      res = await fetch(new URL('predict', this.opts.url.endsWith('/') ? this.opts.url : `${this.opts.url}/`), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.opts.apiKey ? { authorization: `Bearer ${this.opts.apiKey}` } : {}),
        },
        body: JSON.stringify({ inputs: pairs, raw_scores: true, truncate: true, truncation_direction: 'right' }),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (err) {
      throw transportFailure(err, `TEI request to ${hostOf(this.opts.url)}`);
    }
    const text = await res.text();
    if (!res.ok) {
      let detail = '';
      try {
        detail = String((JSON.parse(text) as { error?: unknown }).error ?? '').slice(0, 200);
      } catch {
        // not JSON: the status says enough
      }
      throw new ModelCallError(
        String(res.status),
        `TEI answered ${res.status}${detail ? `: ${detail}` : ''}`,
        parseRetryAfter(res.headers.get('retry-after'), Date.now()),
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ModelCallError('malformed', 'TEI answer is not JSON');
    }
    // A batch of one can come back flat ([{label, score}, …]) instead of nested.
    const rows =
      Array.isArray(json) && pairs.length === 1 && json.length > 0 && !Array.isArray(json[0]) ? [json] : json;
    if (!Array.isArray(rows) || rows.length !== pairs.length || !rows.every((r) => Array.isArray(r))) {
      throw new ModelCallError(
        'malformed',
        `TEI answered ${Array.isArray(rows) ? rows.length : 'no'} rows for ${pairs.length} pairs`,
      );
    }
    return rows as PairLogits[];
  }
}

export const tei: ScorerFactory = (cfg, { metrics, log, budget }) => {
  if (!cfg.tei.url) throw new Error('the TEI scorer needs TEI_URL');
  const scorer = new TeiScorer({
    ...cfg.tei,
    url: cfg.tei.url,
    ...cfg.retries,
    hypotheses: cfg.hypotheses,
    multiLabel: cfg.multiLabel,
    budget,
    metrics,
    log,
  });
  log.info({ model: scorer.model.id, setup: scorer.model.setup }, 'scoring with a self-hosted TEI server');
  return scorer;
};
