import type { ServerResponse } from 'node:http';
import type { Stance } from '../../shared/post.ts';
import { FakeHttpServer, type RecordedRequest } from '../../dev/fakes/http-server.ts';

/**
 * Hugging Face inference as the client sees it: the router's `POST /hf-inference/models/<id>`, a dedicated
 * endpoint's `POST /`, and the Hub's `GET /api/models/<id>?expand[]=inferenceProviderMapping`. Zero-shot
 * answers are `[{label, score}]` sorted by score (or the legacy `{sequence, labels, scores}` shape), and
 * errors carry the bodies the real service sends (`{"error": …}`, 503 with `estimated_time`).
 */
export class FakeHuggingFace extends FakeHttpServer {
  /** The stance the "model" sees in a text; the test decides, the fake only answers in the model's shape. */
  judge: (text: string) => Stance = () => 'neutral';
  legacyShape = false;
  requiredToken?: string;

  protected respond(req: RecordedRequest, res: ServerResponse): void {
    const u = new URL(req.url, this.url);
    if (req.method === 'GET' && u.pathname.startsWith('/api/models/')) {
      const id = decodeURIComponent(u.pathname.slice('/api/models/'.length));
      return this.json(res, 200, {
        _id: '64f0c0ffee',
        id,
        inferenceProviderMapping: [
          { provider: 'hf-inference', providerId: id, status: 'live', task: 'zero-shot-classification' },
        ],
      });
    }
    if (req.method !== 'POST') return this.json(res, 404, { error: 'Not Found' });
    if (this.requiredToken && req.headers.authorization !== `Bearer ${this.requiredToken}`) {
      return this.json(res, 401, { error: 'Invalid credentials in Authorization header' });
    }
    let body: { inputs?: unknown; parameters?: { candidate_labels?: unknown; multi_label?: unknown } };
    try {
      body = JSON.parse(req.body);
    } catch {
      return this.json(res, 400, { error: 'Malformed JSON' });
    }
    const labels = body.parameters?.candidate_labels;
    if (labels === undefined && typeof body.inputs === 'string') {
      // A text-classification model (a fine-tuned stance classifier): its own labels, nested one level.
      const stance = this.judge(body.inputs);
      const own = { support: 'FAVOR', criticism: 'AGAINST', neutral: 'NONE' };
      const rows = (Object.keys(own) as Stance[])
        .map((s) => ({ label: own[s], score: s === stance ? 0.9 : 0.05 }))
        .sort((a, b) => b.score - a.score);
      return this.json(res, 200, [rows]);
    }
    if (
      typeof body.inputs !== 'string' ||
      !Array.isArray(labels) ||
      labels.length < 2 ||
      !labels.every((l) => typeof l === 'string')
    ) {
      return this.json(res, 422, {
        error: 'inputs must be a string and parameters.candidate_labels a list of strings',
      });
    }
    // Our hypotheses are passed in the order support, criticism, neutral; the fake puts its mass on the judged one.
    const stance = this.judge(body.inputs);
    const hot = { support: 0, criticism: 1, neutral: 2 }[stance];
    const scores = labels.map((_, i) => (i === hot ? 0.82 : 0.18 / (labels.length - 1)));
    const ranked = labels
      .map((label, i) => ({ label: label as string, score: scores[i]! }))
      .sort((a, b) => b.score - a.score);
    if (this.legacyShape) {
      return this.json(
        res,
        200,
        { sequence: body.inputs, labels: ranked.map((r) => r.label), scores: ranked.map((r) => r.score) },
        { 'x-request-id': 'req-legacy' },
      );
    }
    this.json(res, 200, ranked, { 'x-request-id': `req-${this.requests.length}` });
  }
}

export const HF_429 = {
  status: 429,
  headers: { 'retry-after': '1' },
  body: JSON.stringify({ error: 'Rate limit reached. You reached free usage limit (reset hourly).' }),
};
export const HF_503 = {
  status: 503,
  body: JSON.stringify({
    error: 'Model MoritzLaurer/mDeBERTa-v3-base-xnli-multilingual-nli-2mil7 is currently loading',
    estimated_time: 20.0,
  }),
};
