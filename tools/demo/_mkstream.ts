import { connectNats } from '@keelson/messaging';
async function main() {
  const m = await connectNats({ url: process.argv[2], name: 'mk' });
  if (process.argv[3] === 'info') {
    const info = await m.jsm.streams.info('INGEST');
    console.log('messages', info.state.messages, 'bytes', info.state.bytes);
  } else {
    await m.jsm.streams.add({ name: 'INGEST', subjects: ['ingest.>'], duplicate_window: 120e9 });
  }
  await m.drain();
}
void main();
