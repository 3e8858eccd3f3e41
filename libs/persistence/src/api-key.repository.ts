import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Schema, type Connection } from 'mongoose';
import { Repository } from './repository';

/** What a key may do; `admin` may do everything. Colons name a service's own permissions. */
export const API_SCOPES = [
  'ingest',
  'train',
  'predict',
  'monitoring:read',
  'routing:read',
  'routing:write',
  'dlq:read',
  'dlq:replay',
  'admin',
] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export interface ApiKey {
  id: string;
  name: string;
  scopes: ApiScope[];
  /** Requests per second allowed to this key (token bucket refill), and the burst on top. */
  ratePerSecond: number;
  burst: number;
  /** ISO time after which the key no longer works; none: it works until revoked. */
  expiresAt?: string;
}

/** A key as an operator lists it: never its secret or hash. */
export interface ApiKeyInfo extends ApiKey {
  createdAt: string;
  revokedAt?: string;
}

interface ApiKeyDoc {
  _id: string;
  /** sha256 of the secret part. Keys are 32 random bytes, so a slow password hash buys nothing. */
  hash: string;
  name: string;
  scopes: ApiScope[];
  ratePerSecond: number;
  burst: number;
  createdAt: Date;
  expiresAt?: Date;
  revokedAt?: Date;
}

const schema = new Schema<ApiKeyDoc>(
  {
    _id: String,
    hash: String,
    name: String,
    scopes: [String],
    ratePerSecond: Number,
    burst: Number,
    createdAt: Date,
    expiresAt: Date,
    revokedAt: Date,
  },
  { collection: 'api_keys', versionKey: false },
);

/** The shape of every key: anything else is refused without a database read. */
export const API_KEY_FORMAT = /^kls_([a-f0-9]{16})_([A-Za-z0-9_-]{43})$/;
const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** API keys, stored hashed. A key reads `kls_<id>_<secret>`; the id finds the record in one lookup. */
export class ApiKeyRepository extends Repository<ApiKeyDoc> {
  constructor(connection: Connection) {
    super(connection, 'ApiKey', schema);
  }

  /** Creates a key and returns its secret form, which is shown once and never stored. */
  async create(options: Omit<ApiKey, 'id'>): Promise<{ key: string; apiKey: ApiKey }> {
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const { expiresAt, ...rest } = options;
    await this.model.create({
      _id: id,
      hash: hashSecret(secret),
      ...rest,
      ...(expiresAt && { expiresAt: new Date(expiresAt) }),
      createdAt: new Date(),
    });
    return { key: `kls_${id}_${secret}`, apiKey: { id, ...options } };
  }

  /** Every key, newest first, without secrets. */
  async list(): Promise<ApiKeyInfo[]> {
    const docs = await this.model.find({}, { hash: 0 }).sort({ createdAt: -1 }).lean().exec();
    return docs.map((d) => ({
      ...toKey(d),
      createdAt: d.createdAt.toISOString(),
      ...(d.revokedAt && { revokedAt: d.revokedAt.toISOString() }),
    }));
  }

  /** The key's record if `presented` is a valid, unrevoked key; null otherwise. */
  async verify(presented: string): Promise<ApiKey | null> {
    const match = API_KEY_FORMAT.exec(presented);
    if (!match) return null;
    const doc = await this.model.findById(match[1]).lean();
    if (!doc || doc.revokedAt) return null;
    if (doc.expiresAt && doc.expiresAt.getTime() <= Date.now()) return null;
    const expected = Buffer.from(doc.hash, 'hex');
    const actual = Buffer.from(hashSecret(match[2]), 'hex');
    if (!timingSafeEqual(expected, actual)) return null;
    return toKey(doc);
  }

  async revoke(id: string): Promise<boolean> {
    const result = await this.model.updateOne(
      { _id: id, revokedAt: { $exists: false } },
      { $set: { revokedAt: new Date() } },
    );
    return result.modifiedCount === 1;
  }
}

function toKey(doc: Omit<ApiKeyDoc, 'hash'>): ApiKey {
  return {
    id: doc._id,
    name: doc.name,
    scopes: doc.scopes,
    ratePerSecond: doc.ratePerSecond,
    burst: doc.burst,
    ...(doc.expiresAt && { expiresAt: doc.expiresAt.toISOString() }),
  };
}
