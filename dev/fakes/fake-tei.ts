import type { ServerResponse } from 'node:http';
import type { Stance } from '../../shared/post.ts';
import { FakeHttpServer, type RecordedRequest } from './http-server.ts';

/**
 * Hugging Face Text Embeddings Inference serving an NLI classifier. Imitates (reference:
 * /work/shared/reference/real-services-2026.md, "Text Embeddings Inference"; huggingface/text-embeddings-inference
 * router/src/http/types.rs and server.rs, PRs #755, #818):
 * - `POST /predict` with a text, one pair, or a batch of pairs; logits with `raw_scores: true`, rows sorted by score;
 * - `truncation_direction` is the serde enum `Left | Right`: up to v1.8 a lowercase `"right"` is refused with
 *   422 "unknown variant" (the default here, `lowercaseTruncation = false`); v1.9 accepts any case;
 * - a batch over `--max-client-batch-size` is a Validation error: 422 from v1.9 (default), 413 up to v1.8;
 * - `GET /info` reports `model_id`, `max_client_batch_size`, `max_input_length`;
 * - 401 without the API key; errors as `{error, error_type}`.
 */
export class FakeTei extends FakeHttpServer {
  maxClientBatchSize = 32;
  maxInputLength = 512;
  modelId = 'MoritzLaurer/mDeBERTa-v3-base-xnli-multilingual-nli-2mil7';
  /** v1.9 behaviour: lowercase truncation_direction accepted. */
  lowercaseTruncation = false;
  /** The status of an oversized batch: 422 from v1.9, 413 up to v1.8. */
  oversizedStatus: 413 | 422 = 422;
  apiKey?: string;
  /** The stance the "model" sees in a post, and which stance a hypothesis text stands for. */
  judge: (text: string) => Stance = () => 'neutral';
  hypothesisStance: (hypothesis: string) => Stance = (h) =>
    /defends/.test(h) ? 'support' : /blames/.test(h) ? 'criticism' : 'neutral';
  batchSizes: number[] = [];

  protected respond(req: RecordedRequest, res: ServerResponse): void {
    if (req.method === 'GET' && new URL(req.url, this.url).pathname === '/info') {
      return this.json(res, 200, {
        model_id: this.modelId,
        model_sha: null,
        model_dtype: 'float32',
        model_type: {
          classifier: {
            id2label: { 0: 'entailment', 1: 'neutral', 2: 'contradiction' },
            label2id: { entailment: 0, neutral: 1, contradiction: 2 },
          },
        },
        max_concurrent_requests: 512,
        max_input_length: this.maxInputLength,
        max_batch_tokens: 16_384,
        max_batch_requests: null,
        max_client_batch_size: this.maxClientBatchSize,
        auto_truncate: false,
        tokenization_workers: 4,
        version: this.lowercaseTruncation ? '1.9.0' : '1.8.3',
      });
    }
    if (req.method !== 'POST' || !['/predict', '/', '/invocations'].includes(new URL(req.url, this.url).pathname)) {
      return this.json(res, 404, { error: 'Not Found', error_type: 'NotFound' });
    }
    if (this.apiKey && req.headers.authorization !== `Bearer ${this.apiKey}`)
      return this.json(res, 401, { error: 'Unauthorized', error_type: 'Unauthorized' });
    let body: { inputs?: unknown; raw_scores?: boolean; truncation_direction?: unknown };
    try {
      body = JSON.parse(req.body);
    } catch {
      return this.json(res, 422, { error: 'Failed to deserialize the JSON body', error_type: 'Validation' });
    }
    const dir = body.truncation_direction;
    if (dir !== undefined && !(this.lowercaseTruncation ? /^(left|right)$/i : /^(Left|Right)$/).test(String(dir))) {
      // What axum's Json extractor answers when serde refuses the enum value.
      return this.json(res, 422, {
        error: `Failed to deserialize the JSON body into the target type: truncation_direction: unknown variant \`${String(dir)}\`, expected \`Left\` or \`Right\``,
        error_type: 'Validation',
      });
    }
    const inputs = body.inputs;
    const isBatch = Array.isArray(inputs) && inputs.length > 0 && Array.isArray(inputs[0]);
    const batch: unknown[] = isBatch ? (inputs as unknown[]) : [inputs];
    if (batch.length === 0 || batch.some((x) => x === '' || (Array.isArray(x) && x.length === 0)))
      return this.json(res, 400, { error: '`inputs` cannot be empty', error_type: 'Empty' });
    if (batch.length > this.maxClientBatchSize) {
      return this.json(res, this.oversizedStatus, {
        error: `batch size ${batch.length} > maximum allowed batch size ${this.maxClientBatchSize}`,
        error_type: 'Validation',
      });
    }
    this.batchSizes.push(batch.length);
    const answer = batch.map((input) => {
      const [premise, hypothesis] = Array.isArray(input) ? (input as string[]) : [String(input), ''];
      const agrees = this.judge(premise!) === this.hypothesisStance(hypothesis ?? '');
      const logits = agrees
        ? { entailment: 3.1, neutral: -0.6, contradiction: -2.4 }
        : { entailment: -1.9, neutral: 0.4, contradiction: 1.2 };
      const rows = Object.entries(logits).map(([label, score]) => ({
        label,
        score: body.raw_scores ? score : Math.exp(score),
      }));
      if (!body.raw_scores) {
        const sum = rows.reduce((a, r) => a + r.score, 0);
        for (const r of rows) r.score /= sum;
      }
      return rows.sort((a, b) => b.score - a.score);
    });
    this.json(res, 200, isBatch ? answer : answer[0]);
  }
}
