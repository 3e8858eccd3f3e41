// Exits 0 when a MongoDB-compatible server at the given URL answers `ping`; used by infra readiness.
const { MongoClient } = require('mongodb');

const url = process.argv[2] ?? 'mongodb://127.0.0.1:27017/';
const client = new MongoClient(url, { serverSelectionTimeoutMS: 1000, connectTimeoutMS: 1000 });
client
  .db('admin')
  .command({ ping: 1 })
  .then((r) => process.exit(r.ok === 1 ? 0 : 1))
  .catch(() => process.exit(1))
  .finally(() => client.close());
