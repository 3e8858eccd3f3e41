import { encodeHeaderBlock, HpackDecoder, HpackError, huffmanDecode } from './hpack';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

describe('HPACK decoding, on the examples of RFC 7541 (Appendix C)', () => {
  const requests = [
    [
      [':method', 'GET'],
      [':scheme', 'http'],
      [':path', '/'],
      [':authority', 'www.example.com'],
    ],
    [
      [':method', 'GET'],
      [':scheme', 'http'],
      [':path', '/'],
      [':authority', 'www.example.com'],
      ['cache-control', 'no-cache'],
    ],
    [
      [':method', 'GET'],
      [':scheme', 'https'],
      [':path', '/index.html'],
      [':authority', 'www.example.com'],
      ['custom-key', 'custom-value'],
    ],
  ];

  it('reads three requests on one connection, literal strings (C.3)', () => {
    const decoder = new HpackDecoder();
    const blocks = [
      '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
      '8286 84be 5808 6e6f 2d63 6163 6865',
      '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65',
    ];
    expect(blocks.map((block) => decoder.decode(hex(block)))).toEqual(requests);
  });

  it('reads the same requests Huffman-coded (C.4)', () => {
    const decoder = new HpackDecoder();
    const blocks = [
      '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff',
      '8286 84be 5886 a8eb 1064 9cbf',
      '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf',
    ];
    expect(blocks.map((block) => decoder.decode(hex(block)))).toEqual(requests);
  });

  it('evicts the oldest entries from a 256-byte table (C.5)', () => {
    const decoder = new HpackDecoder(256);
    const first = decoder.decode(
      hex(`4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
           2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70
           6c65 2e63 6f6d`),
    );
    expect(first).toEqual([
      [':status', '302'],
      ['cache-control', 'private'],
      ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'],
      ['location', 'https://www.example.com'],
    ]);
    // ":status: 307" pushes ":status: 302" out; the other three keep their places (65..63).
    expect(decoder.decode(hex('4803 3330 37c1 c0bf'))).toEqual([
      [':status', '307'],
      ['cache-control', 'private'],
      ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'],
      ['location', 'https://www.example.com'],
    ]);
    expect(() => decoder.decode(hex('c2'))).toThrow('no header at index 66');
  });
});

describe('HPACK decoding refuses what a peer must not send', () => {
  it('a Huffman string with bad padding or EOS', () => {
    expect(huffmanDecode(Buffer.from([0x1f])).toString()).toBe('a'); // 00011, then 111
    expect(() => huffmanDecode(Buffer.from([0x00]))).toThrow('bad padding'); // 00000, then 000
    expect(() => huffmanDecode(Buffer.from([0x1f, 0xff]))).toThrow('bad padding'); // 8 bits
    expect(() => huffmanDecode(hex('ffff ffff'))).toThrow('EOS');
  });

  it('a table size update past the limit or after a field, and an index past the table', () => {
    expect(() => new HpackDecoder(4096).decode(hex('3fe2 1f'))).toThrow('a table size over 4096');
    expect(() => new HpackDecoder().decode(hex('82 20'))).toThrow('after a field');
    expect(() => new HpackDecoder().decode(hex('be'))).toThrow('no header at index 62');
    expect(() => new HpackDecoder().decode(hex('80'))).toThrow(HpackError);
  });

  it('an integer past 2^31 - 1, or a block that ends inside a field', () => {
    expect(() => new HpackDecoder().decode(hex('ff ff ff ff ff 0f'))).toThrow('2^31');
    expect(() => new HpackDecoder().decode(hex('40 05 61'))).toThrow('past the block');
    expect(() => new HpackDecoder().decode(hex('ff'))).toThrow('inside a field');
  });

  it('a small block that references its way past the header list limit', () => {
    const decoder = new HpackDecoder(4096, 1_000);
    // One 500-byte entry added (533 bytes as counted), then referred to twice: 2 bytes, 1,066.
    const add = Buffer.concat([hex('40 01 78 7f f5 02'), Buffer.alloc(500, 0x61)]);
    expect(decoder.decode(add)).toHaveLength(1);
    expect(() => decoder.decode(hex('be be'))).toThrow('a header list over 1000 bytes');
  });
});

describe('HPACK encoding without a table', () => {
  it('gives blocks any decoder reads, with static fields by index and the rest as literals', () => {
    const headers = [
      [':status', '200'],
      ['content-type', 'application/grpc+proto'],
      ['grpc-status', '0'],
      ['grpc-message', 'x'.repeat(300)],
    ] as const;
    const block = encodeHeaderBlock(headers);
    expect(block[0]).toBe(0x20); // the table is declared empty first
    expect(block[1]).toBe(0x88); // ":status: 200" is static entry 8
    const decoder = new HpackDecoder();
    expect(decoder.decode(block)).toEqual(headers);
    expect(decoder.decode(block)).toEqual(headers); // and it left the table as it was
  });
});
