// Forges JWTs for attack tests: any header, any payload, signed (or not) with any key.
import { createHmac } from 'node:crypto';

const b64url = (s) => Buffer.from(s).toString('base64url');

export function forge(header, payload, secret, alg = 'sha256') {
  const head = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  if (secret === null) return `${head}.`;
  return `${head}.${createHmac(alg, secret).update(head).digest('base64url')}`;
}

export function decodePayload(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}
