import { InferenceClient, InferenceClientProviderApiError, InferenceClientProviderOutputError } from '@huggingface/inference';
import pLimit from 'p-limit';
import { parseRetryAfter } from '../../../shared/backoff.ts';
import type { Logger } from '../../../shared/logger.ts';
import type { RequestBudget } from '../../../shared/request-budget.ts';
import type { Metrics } from '../../../shared/metrics.ts';
import type { ModelRef, Stance, StanceResult } from '../../../shared/post.ts';
import { withRetries, type RetryDecision } from '../../../shared/retry.ts';
import { InputRejectedError, rejectsInput } from '../rejected-input.ts';
import { hasScorableText } from '../scorer.ts';
import type { Scorer } from '../scorer.ts';
import { DEFAULT_HYPOTHESES, ModelOutputError, mapClassifierAnswer, mapZeroShotAnswer, setupVersion, type Hypotheses, type StanceScores } from '../stance-map.ts';

export interface HuggingFaceOptions {
  token?: string;
  /** A dedicated Inference Endpoint (or any compatible server); when set, requests go there as given. */
  endpointUrl?: string;
  model: string;
  /** Overrides of the client's fixed hosts, so a self-hosted or fake router/hub can stand in. */
  routerUrl: string;
  hubUrl: string;
  timeoutMs: number;
  concurrency: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  hypotheses?: Hypotheses;
  multiLabel?: boolean;
  /** A text-classification model with a label → stance map, instead of zero-shot NLI. */
  classifier?: { labelMap: ReadonlyMap<string, Stance> };
  /** Shared requests-per-minute budget (a Redis token bucket across all workers). */
  budget?: RequestBudget;
  metrics: Metrics;
  log: Logger;
}

const CLIENT_ROUTER = 'https://router.huggingface.co';
const CLIENT_HUB = 'https://huggingface.co';
/** Characters sent to the model: the NLI model's window is 512 tokens; the start of a post carries its point. */
const MAX_INPUT_CHARS = 1_500;

/** A failed call, with what the retry loop needs and nothing secret. */
class ModelCallError extends Error {
  constructor(readonly status: string, message: string, readonly retryAfterMs?: number) {
    super(message);
    this.name = 'ModelCallError';
  }
}

/**
 * Zero-shot NLI stance through `@huggingface/inference` (serverless `hf-inference` provider, or a
 * dedicated endpoint via `endpointUrl`). The client cannot batch, so throughput comes from bounded
 * concurrency. Its own 503 retry loop never ends, so it is off (`retry_on_error: false`) and we retry
 * ourselves, a bounded number of times, honouring 429 Retry-After, which the client does not expose:
 * a fetch wrapper reads it off the response.
 */
export class HuggingFaceScorer implements Scorer {
  readonly model: ModelRef;
  private readonly client: InferenceClient;
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly hyps: Hypotheses;

  constructor(private readonly opts: HuggingFaceOptions) {
    this.client = new InferenceClient(opts.token ?? '');
    this.limit = pLimit(opts.concurrency);
    this.hyps = opts.hypotheses ?? DEFAULT_HYPOTHESES;
    const setup = opts.classifier ? `labels-${[...opts.classifier.labelMap].map(([l, s]) => `${l}=${s}`).sort().join(',')}` : setupVersion(this.hyps, opts.multiLabel ?? false);
    this.model = { id: opts.endpointUrl ? `hf-endpoint:${opts.model}` : `hf:${opts.model}`, kind: 'huggingface', setup };
  }

  score(texts: string[]): Promise<StanceResult[]> {
    return Promise.all(texts.map((t) => this.limit(() => this.scoreOne(t))));
  }

  private async scoreOne(text: string): Promise<StanceResult> {
    if (!hasScorableText(text)) return { stance: 'neutral', score: 0, confidence: 1, model: this.model };
    const scores = await withRetries(() => this.call(text.slice(0, MAX_INPUT_CHARS)), {
      attempts: this.opts.maxAttempts,
      baseMs: this.opts.backoffBaseMs,
      maxMs: this.opts.backoffMaxMs,
      decide: retryDecision,
      onRetry: (err, attempt, waitMs) =>
        this.opts.log.warn({ status: (err as ModelCallError).status, attempt, waitMs }, 'model request failed; retrying'),
    }).catch((err: unknown) => {
      if (err instanceof ModelCallError && rejectsInput(Number(err.status))) throw new InputRejectedError(err.status, err.message);
      throw err;
    });
    return { ...scores, model: this.model };
  }

  /** One request; the answer is interpreted here so that an unusable one counts as a failed request. */
  private async call(inputs: string): Promise<StanceScores> {
    await this.opts.budget?.take();
    let retryAfter: string | null = null;
    const fetchThrough: typeof fetch = async (input, init) => {
      const res = await fetch(this.rewrite(String(input instanceof Request ? input.url : input)), init);
      retryAfter = res.headers.get('retry-after');
      return res;
    };
    const stop = this.opts.metrics.modelRequestDuration.startTimer({ scorer: 'huggingface' });
    this.opts.metrics.modelItemsPerRequest.observe({ scorer: 'huggingface' }, 1);
    const target = this.opts.endpointUrl ? { endpointUrl: this.opts.endpointUrl } : { model: this.opts.model, provider: 'hf-inference' as const };
    const options = { retry_on_error: false, fetch: fetchThrough, signal: AbortSignal.timeout(this.opts.timeoutMs) };
    try {
      const answer = this.opts.classifier
        ? await this.client.textClassification({ ...target, inputs, parameters: { top_k: 20 } }, options)
        : await this.client.zeroShotClassification({
          ...target, inputs, parameters: { candidate_labels: [this.hyps.support, this.hyps.criticism, this.hyps.neutral], hypothesis_template: '{}', multi_label: this.opts.multiLabel ?? false },
        }, options);
      const scores = this.interpret(answer);
      stop({ outcome: 'ok' });
      return scores;
    } catch (err) {
      const failure = describeFailure(err, retryAfter);
      stop({ outcome: 'error' });
      this.opts.metrics.modelErrors.inc({ scorer: 'huggingface', status: failure.status });
      throw failure;
    }
  }

  private interpret(answer: ReadonlyArray<{ label: string; score: number }>) {
    return this.opts.classifier ? mapClassifierAnswer(answer, this.opts.classifier.labelMap) : mapZeroShotAnswer(answer, this.hyps);
  }

  private rewrite(url: string): string {
    if (url.startsWith(CLIENT_ROUTER)) return this.opts.routerUrl.replace(/\/$/, '') + url.slice(CLIENT_ROUTER.length);
    if (url.startsWith(CLIENT_HUB)) return this.opts.hubUrl.replace(/\/$/, '') + url.slice(CLIENT_HUB.length);
    return url;
  }
}

/** Turns whatever the client threw into a ModelCallError whose message carries no request headers or token. */
function describeFailure(err: unknown, retryAfter: string | null): ModelCallError {
  if (err instanceof InferenceClientProviderApiError) {
    const status = err.httpResponse.status;
    return new ModelCallError(String(status), `model answered HTTP ${status}: ${err.message.slice(0, 300)}`, parseRetryAfter(retryAfter, Date.now()));
  }
  if (err instanceof InferenceClientProviderOutputError || err instanceof ModelOutputError) {
    return new ModelCallError('malformed', `model answer unusable: ${err.message.slice(0, 300)}`);
  }
  const name = (err as { name?: string }).name;
  if (name === 'TimeoutError' || name === 'AbortError') return new ModelCallError('timeout', 'model request timed out');
  return new ModelCallError('network', `model request failed: ${(err as Error).message?.slice(0, 300)}`);
}

function retryDecision(err: unknown): RetryDecision {
  if (!(err instanceof ModelCallError)) return { retry: false };
  if (err.status === '429') return { retry: true, ...(err.retryAfterMs !== undefined ? { afterMs: err.retryAfterMs } : {}) };
  if (['timeout', 'network', 'malformed'].includes(err.status) || Number(err.status) >= 500) return { retry: true };
  return { retry: false };
}
