import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { extractMultipartFile } from '../../../src/server/media/multipart-file.js';

/** Serialises a FormData exactly as fetch would send it (undici's encoder), returning body and content type. */
async function encode(form: FormData): Promise<{ body: Buffer; type: string }> {
  const request = new Request('http://localhost/upload', { method: 'POST', body: form });
  return {
    body: Buffer.from(await request.arrayBuffer()),
    type: request.headers.get('content-type') ?? '',
  };
}

describe('extractMultipartFile', () => {
  it('refuses a body of thousands of empty parts without walking them all (issue #18)', () => {
    const boundary = 'b';
    const empty = `--${boundary}\r\nContent-Disposition: form-data; name="x"\r\n\r\n\r\n`;
    const body = Buffer.from(`${empty.repeat(200_000)}--${boundary}--\r\n`, 'latin1');
    assert.throws(
      () => extractMultipartFile(body, `multipart/form-data; boundary=${boundary}`, 'file'),
      (error: { code?: string; message?: string }) =>
        error.code === 'BAD_REQUEST' && /more than 16 parts/.test(error.message ?? ''),
    );
    const few = Buffer.from(`${empty.repeat(3)}--${boundary}--\r\n`, 'latin1');
    assert.equal(extractMultipartFile(few, `multipart/form-data; boundary=${boundary}`, 'file'), undefined);
  });

  it('returns the exact bytes of field `file` from a body fetch encoded, as a view without copying', async () => {
    const image = randomBytes(200_000);
    const form = new FormData();
    form.append('note', 'hello');
    form.append('file', new Blob([image], { type: 'image/jpeg' }), 'front.jpg');
    form.append('after', 'x');
    const { body, type } = await encode(form);
    const file = extractMultipartFile(body, type, 'file');
    assert.ok(file?.equals(image));
    assert.equal(file?.buffer, body.buffer, 'a view of the body');
  });

  it('keeps content that looks like a boundary unless it follows a line break', async () => {
    const boundary = 'XyZ123';
    const content = Buffer.from(
      `--${boundary}-- and \n--${boundary} inside the file\r\n-${boundary}`,
      'latin1',
    );
    const body = Buffer.concat([
      Buffer.from(
        `preamble\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n`,
      ),
      content,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const file = extractMultipartFile(body, `multipart/form-data; boundary="${boundary}"`, 'file');
    assert.ok(file?.equals(content));
  });

  it('is undefined without a file part: another name, or `file` as a text field', async () => {
    const other = new FormData();
    other.append('other', new Blob([Buffer.from('x')]), 'x.jpg');
    const text = new FormData();
    text.append('file', 'not a file');
    for (const form of [other, text]) {
      const { body, type } = await encode(form);
      assert.equal(extractMultipartFile(body, type, 'file'), undefined);
    }
  });

  it('answers 400 BAD_REQUEST for a missing boundary or a body that does not close', async () => {
    const form = new FormData();
    form.append('file', new Blob([randomBytes(1000)]), 'a.jpg');
    const { body, type } = await encode(form);
    assert.throws(() => extractMultipartFile(body, 'multipart/form-data', 'file'), {
      status: 400,
      code: 'BAD_REQUEST',
    });
    assert.throws(() => extractMultipartFile(body.subarray(0, body.length - 60), type, 'file'), {
      status: 400,
      code: 'BAD_REQUEST',
      message: /no closing boundary/,
    });
    assert.throws(() => extractMultipartFile(Buffer.from('no multipart here'), type, 'file'), {
      code: 'BAD_REQUEST',
    });
  });
});
