import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@keelson/config';
import { serverTls } from './tls';

describe('serverTls', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-tls-spec-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  writeFileSync(cert, 'CERT');
  writeFileSync(key, 'KEY');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is plain HTTP when neither variable is set', () => {
    expect(serverTls({})).toBeUndefined();
    expect(serverTls({ KEELSON_TLS_CERT_FILE: ' ', KEELSON_TLS_KEY_FILE: '' })).toBeUndefined();
  });

  it('reads the certificate and the key when both are set', () => {
    const tls = serverTls({ KEELSON_TLS_CERT_FILE: cert, KEELSON_TLS_KEY_FILE: key });
    expect(tls?.cert.toString()).toBe('CERT');
    expect(tls?.key.toString()).toBe('KEY');
  });

  it('refuses one without the other, naming the missing variable', () => {
    expect(() => serverTls({ KEELSON_TLS_CERT_FILE: cert })).toThrow(ConfigError);
    expect(() => serverTls({ KEELSON_TLS_CERT_FILE: cert })).toThrow(
      'KEELSON_TLS_KEY_FILE is required with a certificate',
    );
    expect(() => serverTls({ KEELSON_TLS_KEY_FILE: key })).toThrow(
      'KEELSON_TLS_CERT_FILE is required with a key',
    );
  });

  it('refuses a file it cannot read, naming it', () => {
    const missing = join(dir, 'missing.pem');
    expect(() => serverTls({ KEELSON_TLS_CERT_FILE: missing, KEELSON_TLS_KEY_FILE: key })).toThrow(
      `KEELSON_TLS_CERT_FILE="${missing}" cannot be read`,
    );
  });
});
