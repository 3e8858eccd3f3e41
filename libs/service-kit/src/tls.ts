import { readFileSync } from 'node:fs';
import { ConfigError, env, type ConfigProblem, type Env } from '@keelson/config';

/** A listener's certificate chain and private key, PEM. */
export interface ServerTls {
  cert: Buffer;
  key: Buffer;
}

const CERT_FILE = env.string('KEELSON_TLS_CERT_FILE', {
  default: '',
  description: 'PEM certificate chain: every HTTP and gRPC listener of the process serves TLS',
});
const KEY_FILE = env.string('KEELSON_TLS_KEY_FILE', {
  default: '',
  secret: true,
  description: 'PEM private key of KEELSON_TLS_CERT_FILE',
});

function read(setting: typeof CERT_FILE, environment: Env): string {
  const parsed = setting.read(environment);
  return parsed.ok ? parsed.value : '';
}

/**
 * The TLS every listener of this process serves (REST and gRPC alike), or undefined for plain
 * HTTP when neither variable is set. Callers trust the certificate's issuer the standard Node way
 * (`NODE_EXTRA_CA_CERTS`), or through the system's store; docs/security.md.
 */
export function serverTls(environment: Env = process.env): ServerTls | undefined {
  const certFile = read(CERT_FILE, environment);
  const keyFile = read(KEY_FILE, environment);
  if (!certFile && !keyFile) return undefined;
  const problems: ConfigProblem[] = [];
  if (!certFile)
    problems.push({
      variable: 'KEELSON_TLS_CERT_FILE',
      value: undefined,
      reason: 'is required with a key',
    });
  if (!keyFile)
    problems.push({
      variable: 'KEELSON_TLS_KEY_FILE',
      value: undefined,
      reason: 'is required with a certificate',
    });
  const load = (variable: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      problems.push({
        variable,
        value: file,
        reason: `cannot be read: ${(error as Error).message}`,
      });
      return Buffer.alloc(0);
    }
  };
  const cert = certFile ? load('KEELSON_TLS_CERT_FILE', certFile) : Buffer.alloc(0);
  const key = keyFile ? load('KEELSON_TLS_KEY_FILE', keyFile) : Buffer.alloc(0);
  if (problems.length > 0) throw new ConfigError('tls', problems);
  return { cert, key };
}
