/**
 * Opaque keyset cursors: the sort value and id of the row to continue from, which way, and a fingerprint of the
 * search they belong to, signed (HMAC-SHA256) with a key derived from the client's stored secret hash. A cursor is
 * only good for the same client and the same search; a changed, truncated or foreign one answers 400. Keyset
 * rather than offset: a page costs the same at row 10 and at row 10,000, and rows inserted meanwhile do not shift
 * the pages.
 */
import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ApiError } from '../errors.js';

export type CursorDirection = 'next' | 'prev';

export interface CursorPosition {
  direction: CursorDirection;
  /** Sort value of the row the page continues from (null: the row had none). */
  value: string | number | null;
  id: string;
}

const CursorPayload = z.strictObject({
  d: z.enum(['n', 'p']),
  k: z.union([z.string().max(256), z.number(), z.null()]),
  i: z.string().min(1).max(64),
  f: z.string().length(22),
});

export class CursorCodec {
  private readonly key: Buffer;

  /** `clientKeyMaterial`: server-side secret of the client (its stored secret hash; rotating it voids cursors). */
  constructor(clientKeyMaterial: string) {
    this.key = Buffer.from(hkdfSync('sha256', clientKeyMaterial, 'idv-idproofing', 'cursor v1', 32));
  }

  /** A short digest of what the search is (conditions and order), not of where it is. */
  static fingerprint(search: unknown): string {
    return createHash('sha256').update(JSON.stringify(search)).digest('base64url').slice(0, 22);
  }

  encode(position: CursorPosition, fingerprint: string): string {
    const payload = Buffer.from(
      JSON.stringify({
        d: position.direction === 'next' ? 'n' : 'p',
        k: position.value,
        i: position.id,
        f: fingerprint,
      }),
    ).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  decode(cursor: string, fingerprint: string): CursorPosition {
    const invalid = () => new ApiError(400, 'BAD_REQUEST', 'Invalid cursor for this search');
    const [payload, signature, ...rest] = cursor.split('.');
    if (!payload || !signature || rest.length > 0) throw invalid();
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
    let parsed: z.infer<typeof CursorPayload>;
    try {
      parsed = CursorPayload.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    } catch {
      throw invalid();
    }
    if (parsed.f !== fingerprint) throw invalid();
    return { direction: parsed.d === 'n' ? 'next' : 'prev', value: parsed.k, id: parsed.i };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
