import { requestHeaderProblem, trailerProblem } from './h2-header-rules';
import type { HeaderPair } from './hpack';

const call: HeaderPair[] = [
  [':method', 'POST'],
  [':scheme', 'http'],
  [':path', '/inference.GRPCInferenceService/ModelInfer'],
  [':authority', 'node:8001'],
  ['content-type', 'application/grpc'],
  ['te', 'trailers'],
  ['grpc-timeout', '1000m'],
  ['x-list', 'a'],
  ['x-list', 'b'],
];

describe('the rules of a well-formed HTTP/2 request (RFC 9113, 8.2 and 8.3.1)', () => {
  it('passes a gRPC call as clients send it', () => {
    expect(requestHeaderProblem(call)).toBeUndefined();
  });

  it.each([
    ['an upper-case field name', [...call, ['X-Tenant', 'a']], "field name 'X-Tenant'"],
    ['a name with a space', [...call, ['x tenant', 'a']], "field name 'x tenant'"],
    ['a connection-specific field', [...call, ['connection', 'close']], "'connection'"],
    ['transfer-encoding', [...call, ['transfer-encoding', 'chunked']], "'transfer-encoding'"],
    ['te other than trailers', [...call, ['te', 'gzip']], "te is 'gzip'"],
    ['a value with a line break', [...call, ['x-a', 'one\r\ntwo']], "field 'x-a'"],
    ['a value with a NUL', [...call, ['x-a', 'a\0b']], "field 'x-a'"],
    ['a value that starts with a space', [...call, ['x-a', ' a']], "field 'x-a'"],
    ['a pseudo-header after a field', [...call, [':path', '/x']], ':path after'],
    ['a response pseudo-header', [[':status', '200'], ...call], ':status is not'],
    ['a repeated pseudo-header', [call[0], ...call], ':method appears twice'],
    ['no :scheme', call.filter(([n]) => n !== ':scheme'), ':scheme is missing'],
    ['an empty :path', call.map(([n, v]) => [n, n === ':path' ? '' : v]), ':path is missing'],
  ] as Array<[string, HeaderPair[], string]>)('finds %s', (_what, pairs, said) => {
    expect(requestHeaderProblem(pairs)).toContain(said);
  });

  it('lets trailers hold fields but no pseudo-header', () => {
    expect(trailerProblem([['grpc-status', '0']])).toBeUndefined();
    expect(trailerProblem([[':path', '/x']])).toContain('pseudo-header :path in trailers');
    expect(trailerProblem([['Grpc-Status', '0']])).toContain('not a lower-case token');
  });
});
