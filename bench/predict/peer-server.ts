// The peer baseline: the least a hand-written server does to serve an ONNX model over the same
// JSON protocol: Fastify, one onnxruntime session, one session.run per request on the event loop.
//   node -r @swc-node/register bench/predict/peer-server.ts <model.onnx> <port>
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { InferenceSession, Tensor } from 'onnxruntime-node';

interface JsonInput {
  name: string;
  datatype: string;
  shape: number[];
  data: Array<number | string>;
}

async function main() {
  const [file, port] = process.argv.slice(2);
  const session = await InferenceSession.create(readFileSync(file));
  const app = Fastify();
  app.post('/v2/models/:name/infer', async (request) => {
    const { inputs } = request.body as { inputs: JsonInput[] };
    const feeds: Record<string, Tensor> = {};
    for (const input of inputs)
      feeds[input.name] =
        input.datatype === 'BYTES'
          ? new Tensor('string', input.data.map(String), input.shape)
          : new Tensor('float64', Float64Array.from(input.data, Number), input.shape);
    const out = await session.run(feeds);
    return {
      model_name: (request.params as { name: string }).name,
      outputs: Object.entries(out).map(([name, t]) => ({
        name,
        datatype: t.type === 'int64' ? 'INT64' : 'FP32',
        shape: t.dims,
        data: Array.from(t.data as ArrayLike<number | bigint>, Number),
      })),
    };
  });
  await app.listen({ port: Number(port), host: '127.0.0.1' });
  process.stdout.write('listening\n');
}

void main();
