// Exits 0 when a MongoDB-compatible server at the given URL answers `ping`; used by infra readiness.
// With --version it prints which server it is ("FerretDB v1.24.2-keelson.1", "MongoDB 7.0.14").
const { MongoClient } = require('mongodb');

const url = process.argv[2] ?? 'mongodb://127.0.0.1:27017/';
const client = new MongoClient(url, { serverSelectionTimeoutMS: 1000, connectTimeoutMS: 1000 });
const admin = client.db('admin');
(process.argv[3] === '--version'
  ? admin.command({ buildInfo: 1 }).then((r) => {
      console.log(r.ferretdbVersion ? `FerretDB ${r.ferretdbVersion}` : `MongoDB ${r.version}`);
      return r;
    })
  : admin.command({ ping: 1 })
)
  .then((r) => process.exit(r.ok === 1 ? 0 : 1))
  .catch(() => process.exit(1))
  .finally(() => client.close());
