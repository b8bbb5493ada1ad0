/**
 * The one EXIF field upload validation needs: the orientation tag (0x0112) of IFD0. The rest of the EXIF block
 * (GPS, camera, dates) is dropped unread, so a full EXIF parser would be wasted work on the upload path.
 */

/** EXIF orientation 1–8; 1 means the stored pixels are already upright. */
export type ExifOrientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

const ORIENTATION_TAG = 0x0112;
const TYPE_SHORT = 3;
const IFD_ENTRY_BYTES = 12;

/** The `Exif\0\0` identifier that opens a JPEG APP1 EXIF segment (PNG eXIf chunks have none). */
export const EXIF_IDENTIFIER = Buffer.from('Exif\0\0', 'latin1');

/**
 * Reads the orientation from a TIFF-structured EXIF block (starting at its `II*\0` / `MM\0*` header).
 * A missing, malformed or out-of-range tag reads as 1: the block is stripped either way, and decoders (libvips,
 * browsers) ignore an orientation they cannot read, so the pixels are then shown as stored.
 */
export function readExifOrientation(tiff: Uint8Array): ExifOrientation {
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  if (tiff.byteLength < 8) return 1;
  const order = view.getUint16(0);
  if (order !== 0x4949 && order !== 0x4d4d) return 1;
  const little = order === 0x4949;
  if (view.getUint16(2, little) !== 42) return 1;
  const ifd0 = view.getUint32(4, little);
  if (ifd0 < 8 || ifd0 + 2 > tiff.byteLength) return 1;
  const entries = view.getUint16(ifd0, little);
  for (let i = 0; i < entries; i += 1) {
    const entry = ifd0 + 2 + i * IFD_ENTRY_BYTES;
    if (entry + IFD_ENTRY_BYTES > tiff.byteLength) return 1;
    if (view.getUint16(entry, little) !== ORIENTATION_TAG) continue;
    if (view.getUint16(entry + 2, little) !== TYPE_SHORT || view.getUint32(entry + 4, little) < 1) return 1;
    const value = view.getUint16(entry + 8, little);
    return value >= 1 && value <= 8 ? (value as ExifOrientation) : 1;
  }
  return 1;
}
