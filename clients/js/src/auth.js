// llm-pool's HMAC request signatures and bearer tokens, on Web Crypto (Node 20+ and browsers).
//
// signature = lower-case hex of HMAC-SHA256(secret, METHOD "\n" PATH "\n" TIMESTAMP "\n" NONCE
// "\n" hex(SHA256(body))); METHOD upper-cased, PATH with its ?query. Vectors: tests/vectors/hmac.json.

const encoder = new TextEncoder();

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}

function bytes(value) {
  if (value === undefined || value === null) return new Uint8Array();
  if (typeof value === 'string') return encoder.encode(value);
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new TypeError('body must be a string, Uint8Array or ArrayBuffer');
}

/** Lower-case hex SHA-256 of the body. */
export async function sha256Hex(body) {
  return hex(await crypto.subtle.digest('SHA-256', bytes(body)));
}

/** The signed text: `METHOD\nPATH\nTIMESTAMP\nNONCE\nhex(SHA256(body))`. */
export async function canonicalMessage(method, path, timestamp, nonce, body) {
  return [method.toUpperCase(), path, String(timestamp), nonce, await sha256Hex(body)].join('\n');
}

/** 128 random bits in hex. */
export function randomNonce() {
  return hex(crypto.getRandomValues(new Uint8Array(16)));
}

/** Signs requests with one key id and its shared secret. */
export class HmacSigner {
  #key;

  constructor(keyId, secret) {
    this.keyId = keyId;
    this.#key = crypto.subtle.importKey('raw', bytes(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ]);
  }

  async signature(method, path, timestamp, nonce, body) {
    const text = await canonicalMessage(method, path, timestamp, nonce, body);
    return hex(await crypto.subtle.sign('HMAC', await this.#key, encoder.encode(text)));
  }

  /** The four `x-llm-pool-*` headers; timestamp defaults to now, nonce to 128 random bits. */
  async headers(method, path, body, { timestamp, nonce } = {}) {
    const stamp = timestamp ?? Math.floor(Date.now() / 1000);
    const once = nonce ?? randomNonce();
    return {
      'x-llm-pool-key-id': this.keyId,
      'x-llm-pool-timestamp': String(stamp),
      'x-llm-pool-nonce': once,
      'x-llm-pool-signature': await this.signature(method, path, stamp, once, body),
    };
  }

  toJSON() {
    return { keyId: this.keyId };
  }
}

/** `authorization: Bearer <token>`. */
export class BearerToken {
  #token;

  constructor(token) {
    this.#token = token;
  }

  async headers() {
    return { authorization: `Bearer ${this.#token}` };
  }
}
