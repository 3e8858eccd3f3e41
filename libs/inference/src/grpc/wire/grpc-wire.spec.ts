import { status } from '@grpc/grpc-js';
import {
  encodeGrpcMessage,
  frameMessage,
  GrpcStatusError,
  MessageReader,
  metadataValue,
  parseGrpcTimeout,
} from './grpc-wire';

const framed = (text: string) => frameMessage(Buffer.from(text));

function statusOf(run: () => unknown): status | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof GrpcStatusError ? error.code : undefined;
  }
  return undefined;
}

describe('MessageReader', () => {
  it('reads one message delivered whole', () => {
    const reader = new MessageReader(1024);
    reader.push(framed('hello'));
    expect(reader.finish().map((m) => [m.compressed, String(m.payload)])).toEqual([
      [false, 'hello'],
    ]);
  });

  it('joins a message split across chunks, even inside its prefix', () => {
    const bytes = framed('split message');
    const reader = new MessageReader(1024);
    for (const cut of [
      [0, 2],
      [2, 7],
      [7, bytes.length],
    ])
      reader.push(bytes.subarray(...cut));
    expect(reader.finish().map((m) => String(m.payload))).toEqual(['split message']);
  });

  it('separates two messages in one chunk and reads the compressed flag', () => {
    const second = framed('b');
    second[0] = 1;
    const reader = new MessageReader(1024);
    reader.push(Buffer.concat([framed('a'), second]));
    expect(reader.finish().map((m) => [m.compressed, String(m.payload)])).toEqual([
      [false, 'a'],
      [true, 'b'],
    ]);
  });

  it('reads an empty message (a request with every field at its default)', () => {
    const reader = new MessageReader(1024);
    reader.push(frameMessage(new Uint8Array(0)));
    expect(reader.finish().map((m) => m.payload.length)).toEqual([0]);
  });

  it('refuses a message over the limit from its prefix, before buffering it', () => {
    const reader = new MessageReader(4);
    expect(statusOf(() => reader.push(framed('hello').subarray(0, 5)))).toBe(
      status.RESOURCE_EXHAUSTED,
    );
  });

  it('fails a body that ends inside a message', () => {
    const reader = new MessageReader(1024);
    reader.push(framed('truncated').subarray(0, 8));
    expect(statusOf(() => reader.finish())).toBe(status.INTERNAL);
  });
});

describe('parseGrpcTimeout', () => {
  it.each([
    ['2H', 7_200_000],
    ['3M', 180_000],
    ['5S', 5_000],
    ['250m', 250],
    ['1500u', 1.5],
    ['2000000n', 2],
  ])('reads %s as %d ms', (value, ms) => {
    expect(parseGrpcTimeout(value)).toBe(ms);
  });

  it('is undefined without the header', () => {
    expect(parseGrpcTimeout(undefined)).toBeUndefined();
  });

  it.each(['', '10', 'S', '123456789S', '10s', '1.5S', '-1S'])(
    'fails %p with INTERNAL',
    (value) => {
      expect(statusOf(() => parseGrpcTimeout(value))).toBe(status.INTERNAL);
    },
  );
});

describe('encodeGrpcMessage', () => {
  it('leaves printable ASCII as it is', () => {
    const text = "input 'a': shape [2] of FP32 needs 8 bytes";
    expect(encodeGrpcMessage(text)).toBe(text);
  });

  it('percent-encodes %, control characters and UTF-8, and decodes back', () => {
    const text = 'ünknown model 100%\nnext line';
    const encoded = encodeGrpcMessage(text);
    expect(encoded).toBe('%C3%BCnknown model 100%25%0Anext line');
    expect(decodeURIComponent(encoded)).toBe(text);
  });
});

describe('metadataValue', () => {
  it('gives the first value of a key, and undefined when absent', () => {
    expect(metadataValue({ authorization: 'Bearer k' }, 'authorization')).toBe('Bearer k');
    expect(metadataValue({ 'x-api-key': ['one', 'two'] }, 'x-api-key')).toBe('one');
    expect(metadataValue({}, 'authorization')).toBeUndefined();
  });
});
