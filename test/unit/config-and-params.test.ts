import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  encodeCursor,
  parseCursor,
  parseInterval,
  parseLang,
  parseLimit,
  parseTime,
  rejectUnknown,
} from '../../api/params.ts';
import { Problem } from '../../api/problem.ts';
import { ConfigError, loadConfig } from '../../shared/config.ts';

test('the embedded defaults make a working configuration with the built-in scorer', () => {
  const cfg = loadConfig({});
  assert.equal(cfg.redis.url, 'redis://127.0.0.1:6379');
  assert.equal(cfg.api.port, 8080);
  assert.equal(cfg.scoring.kind, 'builtin');
  assert.deepEqual(cfg.sources.mastodon.tags, ['durov', 'FreeDurov', 'СвободуДурову', 'PavelDurov']);
});

test('a token or an endpoint selects the Hugging Face scorer; empty variables count as unset', () => {
  assert.equal(loadConfig({ HF_TOKEN: 'hf_x' }).scoring.kind, 'huggingface');
  assert.equal(loadConfig({ HF_ENDPOINT_URL: 'http://127.0.0.1:9/' }).scoring.kind, 'huggingface');
  assert.equal(loadConfig({ HF_TOKEN: '', HF_ENDPOINT_URL: '' }).scoring.kind, 'builtin');
});

test('every bad variable is named in one error, and secrets are not echoed', () => {
  try {
    loadConfig({ PORT: 'eighty', MASTODON_INSTANCES: 'ftp://x', REDIS_URL: 'http://user:s3cret@x', LOG_LEVEL: 'loud' });
    assert.fail('should have thrown');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    const names = err.problems.map((p) => p.split(':')[0]);
    assert.deepEqual(names.sort(), ['LOG_LEVEL', 'MASTODON_INSTANCES', 'PORT', 'REDIS_URL']);
    assert.ok(!err.message.includes('s3cret'));
  }
});

const badParamName = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    if (err instanceof Problem && err.status === 400) return err.param;
    throw err;
  }
  return undefined;
};

test('query parameters: each rule fails with a 400 naming the parameter', () => {
  assert.equal(
    badParamName(() => parseInterval({ interval: '2m' })),
    'interval',
  );
  assert.equal(parseInterval({}), '5m');
  assert.equal(
    badParamName(() => parseTime({ from: 'yesterday' }, 'from')),
    'from',
  );
  assert.equal(parseTime({ to: '2024-08-24T12:00:00Z' }, 'to'), 1_724_500_800);
  assert.equal(parseTime({ to: '1724500800' }, 'to'), 1_724_500_800);
  assert.equal(
    badParamName(() => parseLimit({ limit: '0' }, 1, 200, 50)),
    'limit',
  );
  assert.equal(
    badParamName(() => parseLimit({ limit: '201' }, 1, 200, 50)),
    'limit',
  );
  assert.equal(
    badParamName(() => parseLimit({ limit: '5.5' }, 1, 200, 50)),
    'limit',
  );
  assert.equal(parseLimit({ limit: '200' }, 1, 200, 50), 200);
  assert.equal(
    badParamName(() => parseLang({ lang: 'EN' })),
    'lang',
  );
  assert.equal(
    badParamName(() => parseLang({ lang: ['en', 'ru'] })),
    'lang',
  );
  assert.equal(
    badParamName(() => rejectUnknown({ intervall: '5m' }, ['interval'])),
    'intervall',
  );
});

test('cursors round-trip; anything else is a 400 on cursor', () => {
  const c = { t: 1_724_500_800_123, k: 'mastodon-AbCdEfGhIjKlMnOpQrStUv' };
  assert.deepEqual(parseCursor({ cursor: encodeCursor(c) }), c);
  for (const bad of [
    '%%%',
    'eyJ4Ijox',
    Buffer.from('[1,"x"]').toString('base64url'),
    Buffer.from('["1","mastodon-AbCdEfGhIjKlMnOp"]').toString('base64url'),
  ]) {
    assert.equal(
      badParamName(() => parseCursor({ cursor: bad })),
      'cursor',
      bad,
    );
  }
});
