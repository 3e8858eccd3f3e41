import { isConnectionError } from './connection-errors';

describe('isConnectionError', () => {
  it.each([
    [{ name: 'MongoServerSelectionError', message: 'Server selection timed out' }],
    [{ name: 'MongoBulkWriteError', message: 'connect ECONNREFUSED 127.0.0.1:27017' }],
    [{ name: 'MongoBulkWriteError', message: 'This socket has been ended by the other party' }],
    [{ name: 'NatsError', code: 'TIMEOUT', message: 'TIMEOUT' }],
    [{ name: 'Error', message: 'wrapped', cause: { code: 'ECONNRESET' } }],
  ])('treats %o as a dependency outage', (error) => {
    expect(isConnectionError(error)).toBe(true);
  });

  it.each([
    [new TypeError('x is undefined')],
    [{ name: 'MongoServerError', code: 11000, message: 'E11000 duplicate key' }],
    [null],
  ])('treats %o as a bug', (error) => {
    expect(isConnectionError(error)).toBe(false);
  });
});
