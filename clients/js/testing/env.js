// The demos the tests talk to (scripts/test-clients.sh starts them and sets these).
import { readFileSync } from 'node:fs';

export function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests through scripts/test-clients.sh`);
  return value;
}

export const hmacKeys = () => Object.fromEntries(env('LLMPOOL_HMAC_KEYS').split(',').map((e) => e.split(/:(.*)/s).slice(0, 2)));

export const vectors = () =>
  JSON.parse(readFileSync(new URL('../../../tests/vectors/hmac.json', import.meta.url), 'utf8')).vectors;
