import { parseRetryAfter } from '../../../shared/backoff.ts';
import { hostOf } from '../../../shared/http.ts';
import type { Logger } from '../../../shared/logger.ts';
import type { RequestBudget } from '../../../shared/request-budget.ts';
import type { Metrics } from '../../../shared/metrics.ts';
import type { ModelRef, StanceResult } from '../../../shared/post.ts';
import { callModel, ModelCallError, transportFailure, type ModelRetryOptions } from '../model-call.ts';
import { zeroShotFromNli, type PairLogits } from './nli.ts';
import { throwAsRejection } from '../rejected-input.ts';
import { hasScorableText, type Scorer, type ScorerFactory } from '../scorer.ts';
import { DEFAULT_HYPOTHESES, setupVersion, type Hypotheses } from '../stance-map.ts';

export interface TeiOptions extends ModelRetryOptions {
  /** Base URL of a Text Embeddings Inference server running an NLI (sequence-classification) model. */
  url: string;
  apiKey?: string;
  /** What to call the model in results (TEI does not say which model it serves). */
  modelLabel: string;
  /**
   * Pairs per request, at most; lowered to the server's `max_client_batch_size` from `GET /info` at start-up.
   * TEI refuses a larger batch with 413 (up to v1.8) or 422 (from v1.9).
   */
  maxBatch: number;
  multiLabel: boolean;
  hypotheses?: Hypotheses;
  budget?: RequestBudget;
  metrics: Metrics;
  log: Logger;
}

const MAX_INPUT_CHARS = 1_500;

/** TEI's Validation error for a batch over --max-client-batch-size (router/src/http/server.rs). */
const BATCH_TOO_LARGE = /batch size \d+ > maximum allowed batch size/i;

/**
 * Stance from a self-hosted TEI server (`POST /predict`). Unlike the serverless client, TEI batches: each
 * post becomes three (post, hypothesis) pairs, many posts go in one request with `raw_scores: true`, and
 * the zero-shot step runs here (workers/score/nli.ts). The server's batch limit is read from `GET /info` at
 * start-up; a batch it still refuses (413 up to v1.8, 422 "batch size … >" from v1.9) halves the batch,
 * and the smaller size is kept for later requests. The body sends no `truncation_direction`: Right is the
 * default, and TEI up to 1.8 refuses the lowercase spelling with 422.
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

  /** Reads the server's limits once; a server not up yet is not fatal (the 413/422 handling still applies). */
  async start(): Promise<void> {
    try {
      const res = await fetch(new URL('info', this.base()), {
        headers: this.authHeader(),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      if (!res.ok) throw new Error(`answered ${res.status}`);
      const info = (await res.json()) as {
        model_id?: unknown;
        max_client_batch_size?: unknown;
        max_input_length?: unknown;
      };
      const serverMax = Number(info.max_client_batch_size);
      if (Number.isInteger(serverMax) && serverMax >= 3 && serverMax < this.batch)
        this.batch = serverMax - (serverMax % 3);
      this.maxInputLength = Number.isInteger(info.max_input_length) ? (info.max_input_length as number) : undefined;
      if (typeof info.model_id === 'string' && info.model_id !== this.opts.modelLabel) {
        this.opts.log.warn(
          { served: info.model_id, configured: this.opts.modelLabel },
          'TEI serves another model than TEI_MODEL names; results are labelled with TEI_MODEL',
        );
      }
      this.opts.log.info(
        { batchPairs: this.batch, maxInputTokens: this.maxInputLength, model: info.model_id },
        'TEI limits read from /info',
      );
    } catch (err) {
      this.opts.log.warn(
        { err: (err as Error).message.slice(0, 200) },
        `TEI /info at ${hostOf(this.opts.url)} not readable; batch size found on the first refusal instead`,
      );
    }
  }

  /** Pairs per request now (after /info and any refusals). */
  get batchPairs(): number {
    return this.batch;
  }

  /** The server's max_input_length in tokens, when /info said. Longer inputs are truncated by the server (`truncate: true`). */
  maxInputLength?: number;

  private base(): string {
    return this.opts.url.endsWith('/') ? this.opts.url : `${this.opts.url}/`;
  }

  private authHeader(): Record<string, string> {
    return this.opts.apiKey ? { authorization: `Bearer ${this.opts.apiKey}` } : {};
  }

  async score(texts: string[]): Promise<StanceResult[]> {
    const results: Array<StanceResult | undefined> = texts.map((t) =>
      hasScorableText(t) ? undefined : { stance: 'neutral', score: 0, confidence: 1, model: this.model },
    );
    const todo = texts.map((t, i) => ({ t: t.slice(0, MAX_INPUT_CHARS), i })).filter((x) => !results[x.i]);
    const hyps = [this.hyps.support, this.hyps.criticism, this.hyps.neutral];
    const pairs = todo.flatMap((x) => hyps.map((h) => [x.t, h] as [string, string]));
    // A refusal of the content (422, or 413 even at the smallest batch) goes to the poison handling.
    const logits = await this.predictAll(pairs).catch(throwAsRejection);
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
        const tooLarge =
          err instanceof ModelCallError &&
          (err.status === '413' || (err.status === '422' && BATCH_TOO_LARGE.test(err.message)));
        if (!tooLarge || this.batch <= 3) throw err;
        this.batch = Math.max(3, Math.floor(this.batch / 6) * 3); // halve, keeping a post's three pairs together
        this.opts.log.warn(
          { batch: this.batch, status: (err as ModelCallError).status },
          'TEI refused the batch size; using smaller batches',
        );
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
      res = await fetch(new URL('predict', this.base()), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.authHeader() },
        // No truncation_direction: Right is TEI's default, and "right" is refused by TEI <= 1.8.
        body: JSON.stringify({ inputs: pairs, raw_scores: true, truncate: true }),
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
