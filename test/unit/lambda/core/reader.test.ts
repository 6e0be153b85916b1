import { describe, expect, it } from 'vitest';
import { BadRequest, TokenUnavailable, UnknownCredential } from '../../../lambda/core/errors.js';
import type { StoredToken } from '../../../lambda/core/ports.js';
import { parseReadRequest, TokenReader } from '../../../lambda/core/read.js';
import { InMemoryTokenStore, ManualClock } from '../../fakes/in-memory.js';

const NAMES = ['sandbox', 'production'];

describe('Function: parseReadRequest', () => {
  it('defaults to the first credential and 300 s of validity', () => {
    expect(parseReadRequest({}, NAMES)).toEqual({ credential: 'sandbox', minValiditySeconds: 300 });
    expect(parseReadRequest(undefined, NAMES)).toEqual({ credential: 'sandbox', minValiditySeconds: 300 });
    expect(parseReadRequest(null, NAMES)).toEqual({ credential: 'sandbox', minValiditySeconds: 300 });
  });

  it('takes a named credential and a validity', () => {
    expect(parseReadRequest({ credential: 'production', minValiditySeconds: 0 }, NAMES)).toEqual({
      credential: 'production',
      minValiditySeconds: 0,
    });
  });

  it.each([
    ['an array', [], 'must be a JSON object, got an array'],
    ['a string', 'sandbox', 'got a string'],
    ['a number', 42, 'got a number'],
    ['an unknown field', { credentials: 'sandbox' }, "unknown field 'credentials'"],
    ['a numeric credential', { credential: 7 }, 'credential must be a string'],
    ['bad name characters', { credential: 'Prod_1' }, '1-64 characters'],
    ['a 65-character name', { credential: 'a'.repeat(65) }, '1-64 characters'],
    ['negative validity', { minValiditySeconds: -1 }, 'got -1'],
    ['huge validity', { minValiditySeconds: 1e9 }, 'got 1000000000'],
    ['validity as a string', { minValiditySeconds: '300' }, 'got a string'],
    ['NaN validity', { minValiditySeconds: Number.NaN }, 'got NaN'],
    ['fractional validity', { minValiditySeconds: 1.5 }, 'got 1.5'],
  ])('rejects %s with BadRequest', (_case, payload, message) => {
    const act = () => parseReadRequest(payload, NAMES);
    expect(act).toThrow(BadRequest);
    expect(act).toThrow(message);
  });

  it('rejects a well-formed but unconfigured name with UnknownCredential listing the known ones', () => {
    const act = () => parseReadRequest({ credential: 'staging' }, NAMES);
    expect(act).toThrow(UnknownCredential);
    expect(act).toThrow("unknown credential 'staging': this broker serves 'sandbox', 'production'");
  });
});

describe('Class: TokenReader', () => {
  function setup(cacheSeconds = 30) {
    const clock = new ManualClock();
    const store = new InMemoryTokenStore();
    const reader = new TokenReader({ store, clock, cacheSeconds });
    const nowS = clock.now() / 1000;
    const stored = (accessToken: string, secondsLeft: number): StoredToken => ({
      credential: 'sandbox',
      accessToken,
      tokenType: 'Bearer',
      expiresAt: nowS + secondsLeft,
      fetchedAt: nowS - 60,
    });
    return { clock, store, reader, stored };
  }

  it('serves the stored token with its ISO expiry and seconds left', async () => {
    // Prepare
    const { store, reader, stored } = setup();
    const token = stored('token-1', 3000);
    store.items.set('sandbox', token);

    // Act
    const view = await reader.read({ credential: 'sandbox', minValiditySeconds: 300 });

    // Assess
    expect(view).toEqual({
      credential: 'sandbox',
      accessToken: 'token-1',
      tokenType: 'Bearer',
      expiresAt: new Date(token.expiresAt * 1000).toISOString(),
      expiresIn: 3000,
    });
  });

  it('serves from memory within the cache time, then reads the store again', async () => {
    const { store, reader, stored, clock } = setup(30);
    store.items.set('sandbox', stored('token-1', 3000));
    await reader.read({ credential: 'sandbox', minValiditySeconds: 300 });
    store.items.set('sandbox', stored('token-2', 3000));

    expect((await reader.read({ credential: 'sandbox', minValiditySeconds: 300 })).accessToken).toBe(
      'token-1',
    );
    clock.advance(30_000);
    expect((await reader.read({ credential: 'sandbox', minValiditySeconds: 300 })).accessToken).toBe(
      'token-2',
    );
    expect(store.gets).toBe(2);
  });

  it('never serves a cached token with less than minValiditySeconds left', async () => {
    // Prepare: cached with 310 s left, then 20 s pass and the store has a fresh one.
    const { store, reader, stored, clock } = setup(30);
    store.items.set('sandbox', stored('old', 310));
    await reader.read({ credential: 'sandbox', minValiditySeconds: 300 });
    store.items.set('sandbox', { ...stored('new', 3600), expiresAt: clock.now() / 1000 + 3600 });
    clock.advance(20_000);

    // Act
    const view = await reader.read({ credential: 'sandbox', minValiditySeconds: 300 });

    // Assess
    expect(view.accessToken).toBe('new');
  });

  it('answers TokenUnavailable when nothing is stored', async () => {
    const { reader } = setup();
    const act = reader.read({ credential: 'sandbox', minValiditySeconds: 300 });
    await expect(act).rejects.toBeInstanceOf(TokenUnavailable);
    await expect(act).rejects.toThrow("no usable token for credential 'sandbox': no token is stored yet");
  });

  it.each([
    [100, 300, 'has 100 s left, not more than the 300 s asked for'],
    [-50, 0, 'expired 50 s ago'],
    [0, 0, 'expired 0 s ago'],
    [300, 300, 'has 300 s left, not more than the 300 s asked for'],
  ])(
    'answers TokenUnavailable for a token with %i s left when %i s are asked',
    async (left, min, message) => {
      const { store, reader, stored } = setup();
      store.items.set('sandbox', stored('short', left));
      await expect(reader.read({ credential: 'sandbox', minValiditySeconds: min })).rejects.toThrow(message);
    },
  );

  it('never puts the token into a TokenUnavailable message', async () => {
    const { store, reader, stored } = setup();
    store.items.set('sandbox', stored('canary-token', 10));
    await expect(reader.read({ credential: 'sandbox', minValiditySeconds: 300 })).rejects.not.toThrow(
      'canary',
    );
  });

  it('shares one store read among concurrent callers', async () => {
    const { store, reader, stored } = setup(0);
    store.items.set('sandbox', stored('token-1', 3000));
    const views = await Promise.all(
      Array.from({ length: 50 }, () => reader.read({ credential: 'sandbox', minValiditySeconds: 300 })),
    );
    expect(new Set(views.map((view) => view.accessToken))).toEqual(new Set(['token-1']));
    expect(store.gets).toBe(1);
  });
});
