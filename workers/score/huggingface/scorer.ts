import {
  InferenceClient,
  InferenceClientProviderApiError,
  InferenceClientProviderOutputError,
} from '@huggingface/inference';
import pLimit from 'p-limit';
import { parseRetryAfter } from '../../../shared/backoff.ts';
import type { Logger } from '../../../shared/logger.ts';
import type { RequestBudget } from '../../../shared/request-budget.ts';
import type { Metrics } from '../../../shared/metrics.ts';
import type { ModelRef, Stance, StanceResult } from '../../../shared/post.ts';
import { callModel, ModelCallError, transportFailure, type ModelRetryOptions } from '../model-call.ts';
import { hasScorableText } from '../scorer.ts';
import type { Scorer, ScorerFactory } from '../scorer.ts';
import {
  DEFAULT_HYPOTHESES,
  ModelOutputError,
  mapClassifierAnswer,
  mapZeroShotAnswer,
  setupVersion,
  type Hypotheses,
  type StanceScores,
} from '../stance-map.ts';

export interface HuggingFaceOptions extends ModelRetryOptions {
  token?: string;
  /** A dedicated Inference Endpoint (or any compatible server); when set, requests go there as given. */
  endpointUrl?: string;
  model: string;
  /** Overrides of the client's fixed hosts, so a self-hosted or fake router/hub can stand in. */
  routerUrl: string;
  hubUrl: string;
  concurrency: number;
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
    const setup = opts.classifier
      ? `labels-${[...opts.classifier.labelMap]
          .map(([l, s]) => `${l}=${s}`)
          .sort()
          .join(',')}`
      : setupVersion(this.hyps, opts.multiLabel ?? false);
    this.model = {
      id: opts.endpointUrl ? `hf-endpoint:${opts.model}` : `hf:${opts.model}`,
      kind: 'huggingface',
      setup,
    };
  }

  score(texts: string[]): Promise<StanceResult[]> {
    return Promise.all(texts.map((t) => this.limit(() => this.scoreOne(t))));
  }

  private async scoreOne(text: string): Promise<StanceResult> {
    if (!hasScorableText(text)) return { stance: 'neutral', score: 0, confidence: 1, model: this.model };
    const scores = await this.call(text.slice(0, MAX_INPUT_CHARS));
    return { ...scores, model: this.model };
  }

  /** One request, retried; the answer is interpreted inside it, so an unusable one counts as a failed request. */
  private call(inputs: string): Promise<StanceScores> {
    let retryAfter: string | null = null;
    const fetchThrough: typeof fetch = async (input, init) => {
      const res = await fetch(this.rewrite(String(input instanceof Request ? input.url : input)), init);
      retryAfter = res.headers.get('retry-after');
      return res;
    };
    const target = this.opts.endpointUrl
      ? { endpointUrl: this.opts.endpointUrl }
      : { model: this.opts.model, provider: 'hf-inference' as const };
    const request = async () => {
      const options = { retry_on_error: false, fetch: fetchThrough, signal: AbortSignal.timeout(this.opts.timeoutMs) };
      const answer = this.opts.classifier
        ? await this.client.textClassification({ ...target, inputs, parameters: { top_k: 20 } }, options)
        : await this.client.zeroShotClassification(
            {
              ...target,
              inputs,
              parameters: {
                candidate_labels: [this.hyps.support, this.hyps.criticism, this.hyps.neutral],
                hypothesis_template: '{}',
                multi_label: this.opts.multiLabel ?? false,
              },
            },
            options,
          );
      return this.interpret(answer);
    };
    return callModel('huggingface', 1, request, {
      ...this.opts,
      opts: this.opts,
      describe: (err) => describeFailure(err, retryAfter),
    });
  }

  private interpret(answer: ReadonlyArray<{ label: string; score: number }>) {
    return this.opts.classifier
      ? mapClassifierAnswer(answer, this.opts.classifier.labelMap)
      : mapZeroShotAnswer(answer, this.hyps);
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
    return new ModelCallError(
      String(status),
      `model answered HTTP ${status}: ${err.message.slice(0, 300)}`,
      parseRetryAfter(retryAfter, Date.now()),
    );
  }
  if (err instanceof InferenceClientProviderOutputError || err instanceof ModelOutputError) {
    return new ModelCallError('malformed', `model answer unusable: ${err.message.slice(0, 300)}`);
  }
  return transportFailure(err, 'model request');
}

export const huggingface: ScorerFactory = (cfg, { metrics, log, budget }) => {
  const scorer = new HuggingFaceScorer({
    ...cfg.huggingface,
    ...cfg.retries,
    hypotheses: cfg.hypotheses,
    multiLabel: cfg.multiLabel,
    budget,
    metrics,
    log,
  });
  log.info(
    {
      model: scorer.model.id,
      setup: scorer.model.setup,
      via: cfg.huggingface.endpointUrl ? 'endpoint' : 'hf-inference provider',
    },
    'scoring with a Hugging Face model',
  );
  return scorer;
};
