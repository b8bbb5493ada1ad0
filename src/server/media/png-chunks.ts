/**
 * PNG chunk walk (PNG spec §5): every chunk's length and CRC-32 checked, IHDR read and checked, and a lossless
 * copy built from the chunks that define pixels and colour. Text (tEXt, zTXt, iTXt: XMP lives there), eXIf, tIME
 * and every other ancillary chunk are dropped, as are bytes after IEND. No pixel is inflated here.
 */
import { crc32 } from 'node:zlib';
import { ApiError } from '../errors.js';
import { type ByteRange, joinByteRanges } from './byte-ranges.js';
import { type ExifOrientation, readExifOrientation } from './exif-orientation.js';

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  colorType: number;
  interlaced: boolean;
}

export interface PngLayout {
  header: PngHeader;
  /** From an eXIf chunk; 1 when there is none. */
  orientation: ExifOrientation;
  /** The file with only {@link KEPT_PNG_CHUNKS}; the input itself when nothing was dropped. */
  stripped: Buffer;
  /** Types of the dropped chunks in file order, plus `trailer` for bytes after IEND. */
  dropped: string[];
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Chunks that define the pixels or how their colours are meant to look; everything else is dropped. */
export const KEPT_PNG_CHUNKS: ReadonlySet<string> = new Set([
  'IHDR',
  'PLTE',
  'IDAT',
  'IEND',
  'tRNS',
  'gAMA',
  'cHRM',
  'sRGB',
  'iCCP',
  'cICP',
  'sBIT',
  'bKGD',
  'pHYs',
]);

/** Allowed bit depths per colour type (PNG spec table 11.1). */
const BIT_DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

/** Chunk lengths are limited to 2³¹ − 1 by the spec. */
const MAX_CHUNK_LENGTH = 0x7fffffff;
/** length + type + CRC around each chunk's data. */
const CHUNK_OVERHEAD = 12;

/**
 * Walks `bytes` (which must start with the PNG signature) from IHDR to IEND.
 *
 * Errors (ApiError 422 `CORRUPT_IMAGE`): a chunk running past the end, a CRC mismatch, a bad or misplaced IHDR,
 * no IDAT, a palette image without PLTE, an unknown critical chunk, or no IEND.
 *
 * `onHeader` runs as soon as IHDR is read, so size limits it enforces win over damage further on (a truncated
 * bomb is still a bomb).
 */
export function parsePng(bytes: Buffer, onHeader?: (header: PngHeader) => void): PngLayout {
  if (bytes.length < PNG_SIGNATURE.length || !bytes.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) {
    throw corrupt('missing signature');
  }
  const kept: ByteRange[] = [[0, PNG_SIGNATURE.length]];
  const dropped: string[] = [];
  let header: PngHeader | undefined;
  let orientation: ExifOrientation = 1;
  let hasPalette = false;
  let hasImageData = false;
  let pos = PNG_SIGNATURE.length;
  for (;;) {
    if (pos + CHUNK_OVERHEAD > bytes.length) throw corrupt('truncated: no IEND chunk');
    const length = bytes.readUInt32BE(pos);
    if (length > MAX_CHUNK_LENGTH) throw corrupt(`impossible chunk length ${length}`);
    const end = pos + CHUNK_OVERHEAD + length;
    if (end > bytes.length) throw corrupt('chunk runs past the end of the file');
    const type = bytes.toString('latin1', pos + 4, pos + 8);
    if (!/^[A-Za-z]{4}$/.test(type)) throw corrupt('bad chunk type');
    // The CRC covers the type and the data, which are contiguous.
    if (crc32(bytes.subarray(pos + 4, pos + 8 + length)) !== bytes.readUInt32BE(pos + 8 + length)) {
      throw corrupt(`CRC mismatch in ${type}`);
    }
    const data = bytes.subarray(pos + 8, pos + 8 + length);
    if ((type === 'IHDR') !== (header === undefined)) throw corrupt('IHDR must be the first chunk, once');
    switch (type) {
      case 'IHDR':
        header = readHeader(data);
        onHeader?.(header);
        break;
      case 'PLTE':
        hasPalette = true;
        break;
      case 'IDAT':
        hasImageData = true;
        break;
      case 'eXIf':
        orientation = readExifOrientation(data);
        break;
      default:
        if (isCritical(type) && !KEPT_PNG_CHUNKS.has(type)) throw corrupt(`unknown critical chunk ${type}`);
    }
    if (KEPT_PNG_CHUNKS.has(type)) kept.push([pos, end]);
    else dropped.push(type);
    pos = end;
    if (type === 'IEND') break;
  }
  if (pos < bytes.length) dropped.push('trailer');
  if (!header || !hasImageData) throw corrupt('no image data');
  if (header.colorType === 3 && !hasPalette) throw corrupt('palette image without PLTE');
  return { header, orientation, stripped: joinByteRanges(bytes, kept), dropped };
}

function readHeader(data: Buffer): PngHeader {
  if (data.length !== 13) throw corrupt('bad IHDR length');
  const header: PngHeader = {
    width: data.readUInt32BE(0),
    height: data.readUInt32BE(4),
    bitDepth: data[8],
    colorType: data[9],
    interlaced: data[12] === 1,
  };
  if (
    header.width === 0 ||
    header.height === 0 ||
    header.width > MAX_CHUNK_LENGTH ||
    header.height > MAX_CHUNK_LENGTH
  ) {
    throw corrupt('bad IHDR size');
  }
  if (!BIT_DEPTHS[header.colorType]?.includes(header.bitDepth))
    throw corrupt('bad IHDR colour type or depth');
  if (data[10] !== 0 || data[11] !== 0 || data[12] > 1) throw corrupt('bad IHDR method');
  return header;
}

/** Bit 5 of the first type byte clear (uppercase) = critical: a decoder must understand it or refuse the file. */
function isCritical(type: string): boolean {
  return (type.charCodeAt(0) & 0x20) === 0;
}

function corrupt(reason: string): ApiError {
  return new ApiError(422, 'CORRUPT_IMAGE', `The image could not be decoded (PNG ${reason}).`);
}
