/**
 * NATS subject matching: `*` matches exactly one token, `>` one or more trailing tokens.
 * Used to find the event definition and the handler for a delivered subject.
 */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

// Tokens end up in subjects: keep them to characters every NATS client and ACL syntax accepts.
const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;

/** Checks a dataset, model or node name before it becomes a subject token. */
export function isSubjectToken(value: string): boolean {
  return TOKEN.test(value);
}

/** Fills the `*` wildcards of a pattern, in order, with validated tokens. */
export function subjectFor(pattern: string, ...tokens: string[]): string {
  let next = 0;
  const subject = pattern
    .split('.')
    .map((part) => {
      if (part !== '*') return part;
      const token = tokens[next++];
      if (token === undefined || !isSubjectToken(token)) {
        throw new Error(`invalid subject token ${JSON.stringify(token)} for ${pattern}`);
      }
      return token;
    })
    .join('.');
  if (next !== tokens.length)
    throw new Error(`${pattern} takes ${next} tokens, got ${tokens.length}`);
  return subject;
}
