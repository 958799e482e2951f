import { FakeHuggingFace } from '../../fakes/fake-huggingface.ts';
import { serve } from '../ipc.ts';

/**
 * A model, out of the measured process: the fake Hugging Face inference endpoint. `texts` says how many texts
 * it was asked to score, which is what the score cache and its claims exist to keep low.
 */
const fake = await new FakeHuggingFace().start();
fake.judge = (text) =>
  /free|libér|свобод/i.test(text) ? 'support' : /must|crime|преступ/i.test(text) ? 'criticism' : 'neutral';

serve(
  {
    url: () => fake.url,
    // One request per text; the client's start-up check sends none with a text in it.
    texts: () => fake.requests.filter((r) => r.method === 'POST' && hasText(r.body)).length,
  },
  () => fake.stop(),
);

function hasText(body: string): boolean {
  try {
    return Boolean((JSON.parse(body) as { inputs?: unknown }).inputs);
  } catch {
    return false;
  }
}
