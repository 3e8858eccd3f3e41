import { InferenceError } from '../protocol/errors';
import { NodeCredential } from './node-credential';

const CURRENT = 'current-token-0123456789';
const NEXT = 'next-token-abcdefghijkl';

function refusal(credential: NodeCredential, authorization: string | undefined): InferenceError {
  try {
    credential.check(authorization);
  } catch (error) {
    return error as InferenceError;
  }
  throw new Error(`${authorization} was accepted`);
}

describe('NodeCredential', () => {
  it('passes a bearer token it holds, whatever the scheme case', () => {
    const credential = new NodeCredential([CURRENT]);
    expect(() => credential.check(`Bearer ${CURRENT}`)).not.toThrow();
    expect(() => credential.check(`bearer ${CURRENT}`)).not.toThrow();
  });

  it('refuses no token, another scheme, a wrong token and a prefix of the right one with 401', () => {
    const credential = new NodeCredential([CURRENT]);
    for (const presented of [
      undefined,
      '',
      CURRENT,
      `Basic ${CURRENT}`,
      'Bearer wrong-token-0123456789',
      `Bearer ${CURRENT.slice(0, -1)}`,
      `Bearer ${CURRENT}x`,
    ]) {
      const error = refusal(credential, presented);
      expect(error).toBeInstanceOf(InferenceError);
      expect(error.code).toBe('UNAUTHENTICATED');
      expect(error.httpStatus).toBe(401);
      expect(error.message).not.toContain(CURRENT);
    }
  });

  it('accepts every token listed, so callers can move to a new one before the old goes', () => {
    const rotating = new NodeCredential([NEXT, CURRENT]);
    expect(() => rotating.check(`Bearer ${CURRENT}`)).not.toThrow();
    expect(() => rotating.check(`Bearer ${NEXT}`)).not.toThrow();
    expect(refusal(new NodeCredential([NEXT]), `Bearer ${CURRENT}`).code).toBe('UNAUTHENTICATED');
  });

  it('will not be built without a token, or with a guessable one', () => {
    expect(() => new NodeCredential([])).toThrow(/at least one node token/);
    expect(() => new NodeCredential(['short'])).toThrow(/at least 16 characters/);
  });
});
