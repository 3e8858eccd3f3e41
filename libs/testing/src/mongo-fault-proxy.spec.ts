import { BSON } from 'mongodb';
import { WRITE_REFUSED } from './mongo-fault-proxy';
import {
  errorReply,
  MessageFramer,
  OP_COMPRESSED,
  OP_MSG,
  OP_QUERY,
  opMsgBody,
  readHeader,
  summarize,
  takeMessages,
} from './mongo-wire';

interface OpMsgParts {
  requestId?: number;
  flagBits?: number;
  /** Kind-1 sections, placed before the command document as drivers may. */
  sequences?: { identifier: string; documents: BSON.Document[] }[];
  checksum?: boolean;
}

/** Encodes an OP_MSG the way a driver does (the checksum is a placeholder: nobody verifies it). */
function opMsg(command: BSON.Document, parts: OpMsgParts = {}): Buffer {
  const sections = (parts.sequences ?? []).map(({ identifier, documents }) => {
    const payload = Buffer.concat([
      Buffer.from(`${identifier}\0`),
      ...documents.map((d) => BSON.serialize(d)),
    ]);
    const size = Buffer.alloc(4);
    size.writeInt32LE(4 + payload.length);
    return Buffer.concat([Buffer.from([1]), size, payload]);
  });
  sections.push(Buffer.concat([Buffer.from([0]), BSON.serialize(command)]));
  const flagBits = (parts.flagBits ?? 0) | (parts.checksum ? 1 : 0);
  return frame(parts.requestId ?? 7, OP_MSG, [
    uint32(flagBits),
    ...sections,
    parts.checksum ? uint32(0xdeadbeef) : Buffer.alloc(0),
  ]);
}

function frame(requestId: number, opCode: number, body: Uint8Array[]): Buffer {
  const header = Buffer.alloc(16);
  const length = 16 + body.reduce((sum, part) => sum + part.length, 0);
  header.writeInt32LE(length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(0, 8);
  header.writeInt32LE(opCode, 12);
  return Buffer.concat([header, ...body]);
}

function uint32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value >>> 0);
  return buffer;
}

async function framed(chunks: Buffer[]): Promise<Buffer[]> {
  const framer = new MessageFramer();
  const out: Buffer[] = [];
  framer.on('data', (message: Buffer) => out.push(Buffer.from(message)));
  for (const chunk of chunks) framer.write(chunk);
  framer.end();
  await new Promise((resolve, reject) => framer.once('end', resolve).once('error', reject));
  return out;
}

describe('summarize', () => {
  it('names the command of an OP_MSG by the first key of its command document', () => {
    const insert = opMsg({ insert: 'c', documents: [{ _id: 1, a: 'x' }], ordered: true, $db: 'x' });

    expect(summarize(insert)).toEqual({
      header: { messageLength: insert.length, requestId: 7, responseTo: 0, opCode: OP_MSG },
      command: 'insert',
      expectsReply: true,
    });
  });

  it('finds the command document behind document sequences and before a checksum', () => {
    const insert = opMsg(
      { insert: 'c', $db: 'x' },
      {
        sequences: [{ identifier: 'documents', documents: [{ _id: 1 }, { _id: 2 }] }],
        checksum: true,
      },
    );

    expect(summarize(insert).command).toBe('insert');
    expect(BSON.deserialize(opMsgBody(insert) as Buffer)).toEqual({ insert: 'c', $db: 'x' });
  });

  it('knows an unacknowledged (moreToCome) write expects no reply', () => {
    const write = opMsg({ delete: 'c', deletes: [], $db: 'x' }, { flagBits: 1 << 1 });

    expect(summarize(write)).toMatchObject({ command: 'delete', expectsReply: false });
  });

  it('reads the command of a legacy OP_QUERY handshake', () => {
    const query = frame(3, OP_QUERY, [
      uint32(0),
      Buffer.from('admin.$cmd\0'),
      uint32(0),
      uint32(0xffffffff),
      BSON.serialize({ isMaster: 1, client: { driver: { name: 'old' } } }),
    ]);

    expect(summarize(query)).toMatchObject({ command: 'isMaster', expectsReply: true });
  });

  it('names no command for compressed or malformed messages', () => {
    const compressed = frame(4, OP_COMPRESSED, [
      uint32(OP_MSG),
      uint32(100),
      Buffer.from([2, 1, 2]),
    ]);
    const truncated = opMsg({ insert: 'c' }).subarray(0, 25);
    truncated.writeInt32LE(truncated.length, 0);

    expect(summarize(compressed).command).toBeUndefined();
    expect(summarize(truncated).command).toBeUndefined();
  });
});

describe('errorReply', () => {
  it('answers the request as a failed command the driver can read', () => {
    const reply = errorReply(41, 900, { ...WRITE_REFUSED, errmsg: 'no writes today' });

    expect(readHeader(reply)).toEqual({
      messageLength: reply.length,
      requestId: 900,
      responseTo: 41,
      opCode: OP_MSG,
    });
    expect(reply.readUInt32LE(16)).toBe(0);
    const body = BSON.deserialize(opMsgBody(reply) as Buffer, { promoteValues: false });
    expect(body).toEqual({
      ok: new BSON.Double(0),
      errmsg: 'no writes today',
      code: new BSON.Int32(96),
      codeName: 'OperationFailed',
    });
  });
});

describe('message framing', () => {
  const one = opMsg({ ping: 1, $db: 'admin' }, { requestId: 1 });
  const two = opMsg({ find: 'c', filter: {}, $db: 'x' }, { requestId: 2 });
  const three = opMsg(
    { insert: 'c', documents: [{ big: 'y'.repeat(5000) }], $db: 'x' },
    { requestId: 3 },
  );
  const stream = Buffer.concat([one, two, three]);

  it('splits pipelined messages and keeps the partial one for later', () => {
    const cut = one.length + two.length + 10;
    const { messages, rest } = takeMessages(stream.subarray(0, cut));

    expect(messages.map((m) => summarize(m).header.requestId)).toEqual([1, 2]);
    expect(rest).toEqual(three.subarray(0, 10));
  });

  it('waits for the length itself when fewer than four bytes have arrived', () => {
    expect(takeMessages(stream.subarray(0, 3)).messages).toEqual([]);
  });

  it('rejects a length no wire message can have', () => {
    expect(() => takeMessages(uint32(5))).toThrow(/not a MongoDB wire message/);
  });

  it('fails the stream on a bad length at once instead of buffering towards it', async () => {
    await expect(framed([uint32(0x7fffffff)])).rejects.toThrow(/not a MongoDB wire message/);
  });

  it('emits whole messages, byte for byte, however the stream is chunked', async () => {
    const byteByByte = [...stream].map((byte) => Buffer.from([byte]));
    const unevenly = [
      stream.subarray(0, 2),
      stream.subarray(2, one.length + 3),
      stream.subarray(one.length + 3),
    ];

    expect(await framed(byteByByte)).toEqual([one, two, three]);
    expect(await framed(unevenly)).toEqual([one, two, three]);
    expect(await framed([stream])).toEqual([one, two, three]);
  });
});
