import type { FastifyBodyParser } from 'fastify';

/**
 * Request bodies are UTF-8 or refused (docs/webhooks.md, "Encoding"): a lossy decode would store
 * U+FFFD in place of the customer's bytes and still acknowledge them.
 */

/** A body refused for its encoding: `statusCode` and `code` become the `{error, message}` answer. */
export class BodyEncodingError extends Error {
  constructor(
    readonly statusCode: 400 | 415,
    readonly code: 'invalid_encoding' | 'unsupported_charset',
    message: string,
  ) {
    super(message);
  }
}

// fatal: invalid bytes throw instead of becoming U+FFFD. A leading BOM is removed (RFC 8259 §8.1
// lets a parser ignore it); the signature is still checked over the bytes as sent.
const decoder = new TextDecoder('utf-8', { fatal: true });

const UTF8 = new Set(['utf-8', 'utf8']);

/** The `charset` parameter of a Content-Type header, lower-cased and unquoted, or null. */
export function declaredCharset(contentType: string | undefined): string | null {
  const m = /;\s*charset\s*=\s*("[^"]*"|[^;\s]*)/i.exec(contentType ?? '');
  return m ? m[1]!.replace(/^"|"$/g, '').trim().toLowerCase() : null;
}

/**
 * The body as text: throws a 415 BodyEncodingError when Content-Type declares a charset other
 * than UTF-8, a 400 one when the bytes are not valid UTF-8.
 */
export function decodeUtf8Body(contentType: string | undefined, body: Buffer): string {
  const charset = declaredCharset(contentType);
  if (charset !== null && !UTF8.has(charset))
    throw new BodyEncodingError(
      415,
      'unsupported_charset',
      `the body declares charset "${charset.slice(0, 40)}"; only UTF-8 is accepted`,
    );
  try {
    return decoder.decode(body);
  } catch {
    throw new BodyEncodingError(
      400,
      'invalid_encoding',
      'the body is not valid UTF-8; send the text encoded as UTF-8',
    );
  }
}

/**
 * A body parser (register with `parseAs: 'buffer'`) that decodes strictly, then hands the text to
 * `next` (e.g. `app.getDefaultJsonParser(...)`: empty bodies, prototype poisoning). Fastify's own
 * parsers decode lossily.
 */
export const strictUtf8Parser =
  (next: FastifyBodyParser<string>): FastifyBodyParser<Buffer> =>
  (req, body, done) => {
    let text: string;
    try {
      text = decodeUtf8Body(req.headers['content-type'], body);
    } catch (err) {
      return done(err as Error);
    }
    return next(req, text, done);
  };
