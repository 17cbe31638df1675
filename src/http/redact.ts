/**
 * Keeping credentials out of messages: URLs lose their user:password and the values of
 * query parameters that look like credentials; known secrets and bearer tokens are masked.
 */
export const MASK = '***';

const SECRET_PARAM_PARTS = ['token', 'secret', 'password', 'passwd', 'key', 'auth', 'signature', 'sig', 'credential', 'session'];

/** Whether a query parameter name looks like it carries a credential (`api_key`, `access_token`, `X-Amz-Signature`). */
export function isSecretParam(name: string): boolean {
  const lower = name.toLowerCase();
  return SECRET_PARAM_PARTS.some((part) => lower.includes(part));
}

/** The URL with credentials masked; the input unchanged when it is not an absolute URL. */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(url.toString());
  } catch {
    return url.toString();
  }
  if (parsed.username) parsed.username = MASK;
  if (parsed.password) parsed.password = MASK;
  for (const name of [...new Set(parsed.searchParams.keys())]) {
    if (isSecretParam(name)) parsed.searchParams.set(name, MASK);
  }
  // URLSearchParams encodes the mask; keep it readable.
  return parsed.toString().replaceAll(encodeURIComponent(MASK), MASK);
}

const URL_IN_TEXT = /\bhttps?:\/\/[^\s"'<>`]+/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/g;
const AUTH_HEADER = /\b(authorization|x-api-key|api-key|cookie)(["']?\s*[:=]\s*["']?)(?:(?:Bearer|Basic|token)\s+)?[^\s"',}]+/gi;

/** Secret strings worth scrubbing: non-empty and not so short that masking them would wreck a message. */
function usableSecrets(secrets: readonly string[]): string[] {
  return [...new Set(secrets.filter((s) => typeof s === 'string' && s.length >= 3))].sort((a, b) => b.length - a.length);
}

/** A function that removes every given secret, credential-looking URL part and auth header value from a text. */
export function makeRedactor(secrets: readonly string[] = []): (text: string) => string {
  const known = usableSecrets(secrets);
  return (text: string): string => {
    let out = text;
    for (const secret of known) {
      out = out.split(secret).join(MASK);
      const encoded = encodeURIComponent(secret);
      if (encoded !== secret) out = out.split(encoded).join(MASK);
    }
    out = out.replace(URL_IN_TEXT, (match) => redactUrl(match));
    out = out.replace(BEARER, (_m, scheme: string) => `${scheme} ${MASK}`);
    out = out.replace(AUTH_HEADER, (_m, name: string, sep: string) => `${name}${sep}${MASK}`);
    return out;
  };
}
