/**
 * Finds one uploaded file in a `multipart/form-data` body (RFC 7578) without copying it: the part's content is
 * returned as a view of the body. Uploads are one image of up to 15 MB; the generic form parser (undici's
 * `formData()`) copied it three times (parts → Blob → ArrayBuffer) and was the largest JS cost per upload.
 * Only what the upload route needs: the first part named `field` that carries a filename.
 */
import { ApiError } from '../errors.js';

const CRLF = Buffer.from('\r\n', 'latin1');
const HEADER_END = Buffer.from('\r\n\r\n', 'latin1');
/** A part's header block is a few hundred bytes; anything near this is not a browser or HTTP client. */
const MAX_PART_HEADER_BYTES = 16 * 1024;
/**
 * An upload form has one file and maybe a few fields. Past this many parts the body is refused (issue #18: 1.7 M
 * empty parts in 16 MB held the event loop ~290 ms).
 */
export const MAX_MULTIPART_PARTS = 16;

/**
 * The content of the first part named `field` with a `filename` parameter; undefined when there is none (a field
 * of that name without a filename is a text field, not a file).
 *
 * Errors: 400 `BAD_REQUEST` when the content type has no boundary or the body does not follow it.
 */
export function extractMultipartFile(body: Buffer, contentType: string, field: string): Buffer | undefined {
  const boundary = boundaryOf(contentType);
  const delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
  // The first delimiter may open the body directly, without the CRLF every later one has.
  const opening = delimiter.subarray(2);
  let at = 0;
  if (!body.subarray(0, opening.length).equals(opening)) {
    const first = body.indexOf(delimiter);
    if (first < 0) throw malformed('no opening boundary');
    at = first + 2;
  }
  for (let parts = 0; ; parts += 1) {
    if (parts >= MAX_MULTIPART_PARTS) throw malformed(`more than ${MAX_MULTIPART_PARTS} parts`);
    // `at` is on a `--boundary`; what follows is `--` (the end) or optional whitespace and CRLF.
    let next = at + opening.length;
    if (body[next] === 0x2d && body[next + 1] === 0x2d) return undefined;
    while (body[next] === 0x20 || body[next] === 0x09) next += 1;
    if (body[next] !== CRLF[0] || body[next + 1] !== CRLF[1]) throw malformed('bad boundary line');
    const headersStart = next + 2;
    const headersEnd = body.indexOf(HEADER_END, headersStart);
    if (headersEnd < 0 || headersEnd - headersStart > MAX_PART_HEADER_BYTES)
      throw malformed('bad part headers');
    const contentStart = headersEnd + HEADER_END.length;
    const contentEnd = body.indexOf(delimiter, contentStart);
    if (contentEnd < 0) throw malformed('no closing boundary');
    const disposition = partDisposition(body.toString('latin1', headersStart, headersEnd));
    if (disposition?.name === field && disposition.hasFilename)
      return body.subarray(contentStart, contentEnd);
    at = contentEnd + 2;
  }
}

function boundaryOf(contentType: string): string {
  const match = /;\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw malformed('no boundary in the content type');
  return boundary;
}

/** `Content-Disposition: form-data; name="…"; filename="…"` of one part, from its header block. */
function partDisposition(headers: string): { name: string; hasFilename: boolean } | undefined {
  const line = headers.split('\r\n').find((header) => /^content-disposition\s*:/i.test(header));
  if (!line) return undefined;
  let name: string | undefined;
  let hasFilename = false;
  for (const param of line.matchAll(/;\s*([A-Za-z*]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g)) {
    const key = param[1].toLowerCase();
    if (key === 'name') name = (param[2] ?? param[3]).replace(/\\(.)/g, '$1');
    else if (key === 'filename' || key === 'filename*') hasFilename = true;
  }
  return name === undefined ? undefined : { name, hasFilename };
}

function malformed(reason: string): ApiError {
  return new ApiError(400, 'BAD_REQUEST', `Malformed multipart body: ${reason}`);
}
