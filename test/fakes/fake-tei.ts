import type { ServerResponse } from 'node:http';
import type { Stance } from '../../shared/post.ts';
import { FakeHttpServer, type RecordedRequest } from '../../dev/fakes/http-server.ts';

/**
 * Hugging Face Text Embeddings Inference serving an NLI classifier: `POST /predict` with a text, one pair,
 * or a batch of pairs; logits with `raw_scores: true`; 413 above `--max-client-batch-size`; 401 without the
 * API key; errors as `{error, error_type}`.
 */
export class FakeTei extends FakeHttpServer {
  maxClientBatchSize = 32;
  apiKey?: string;
  /** The stance the "model" sees in a post, and which stance a hypothesis text stands for. */
  judge: (text: string) => Stance = () => 'neutral';
  hypothesisStance: (hypothesis: string) => Stance = (h) =>
    /defends/.test(h) ? 'support' : /blames/.test(h) ? 'criticism' : 'neutral';
  batchSizes: number[] = [];

  protected respond(req: RecordedRequest, res: ServerResponse): void {
    if (req.method !== 'POST' || !['/predict', '/', '/invocations'].includes(new URL(req.url, this.url).pathname)) {
      return this.json(res, 404, { error: 'Not Found', error_type: 'NotFound' });
    }
    if (this.apiKey && req.headers.authorization !== `Bearer ${this.apiKey}`)
      return this.json(res, 401, { error: 'Unauthorized', error_type: 'Unauthorized' });
    let body: { inputs?: unknown; raw_scores?: boolean };
    try {
      body = JSON.parse(req.body);
    } catch {
      return this.json(res, 422, { error: 'Failed to deserialize the JSON body', error_type: 'Validation' });
    }
    const inputs = body.inputs;
    const isBatch = Array.isArray(inputs) && inputs.length > 0 && Array.isArray(inputs[0]);
    const batch: unknown[] = isBatch ? (inputs as unknown[]) : [inputs];
    if (batch.length === 0 || batch.some((x) => x === '' || (Array.isArray(x) && x.length === 0)))
      return this.json(res, 400, { error: '`inputs` cannot be empty', error_type: 'Empty' });
    if (batch.length > this.maxClientBatchSize) {
      return this.json(res, 413, {
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
