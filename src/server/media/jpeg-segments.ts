/**
 * JPEG marker-segment walk (ITU T.81 §B): structural validation and lossless metadata stripping in one linear pass,
 * without decoding pixels. The entropy-coded data is only scanned for its terminating marker (a native `indexOf`),
 * so the cost is a few hundred µs for a multi-megabyte photo.
 *
 * Kept: SOF, DHT, DAC, DQT, DRI, SOS + entropy data, EOI, and the APPn segments that change how pixels decode or
 * look: APP0 `JFIF`, APP2 `ICC_PROFILE`, APP14 `Adobe` (colour transform). Dropped: every other APPn (EXIF with
 * GPS, XMP, IPTC/Photoshop, MPF, maker notes), COM, and any bytes after EOI (phones append secondary images and
 * vendor trailers there).
 */
import { ApiError } from '../errors.js';
import { type ByteRange, joinByteRanges } from './byte-ranges.js';
import { EXIF_IDENTIFIER, type ExifOrientation, readExifOrientation } from './exif-orientation.js';

/** The SOFn header: the coding process and the declared size of the frame. */
export interface JpegFrameHeader {
  /** The SOF marker's second byte, 0xc0–0xcf. */
  marker: number;
  /** Bits per sample (8 for every camera and browser encoder). */
  precision: number;
  width: number;
  height: number;
  /** 1 = greyscale, 3 = YCbCr/RGB, 4 = CMYK/YCCK. */
  components: number;
}

export interface JpegLayout {
  frame: JpegFrameHeader;
  /** From the first APP1 EXIF segment before the first scan; 1 when there is none. */
  orientation: ExifOrientation;
  /** Number of SOS segments: 1 for baseline, about 10 for a typical progressive file. */
  scans: number;
  /** The file without dropped segments and trailing bytes; the input itself when nothing was dropped. */
  stripped: Buffer;
  /** Marker names of the dropped segments, in file order (`APP1`, `COM`, …), plus `trailer` for bytes after EOI. */
  dropped: string[];
}

/**
 * A progressive file may repeat scans, and each scan walks every coefficient of the image again: thousands of tiny
 * scans are a CPU bomb. libjpeg's and mozjpeg's scan scripts use at most a few dozen.
 */
export const MAX_JPEG_SCANS = 100;

/** SOF markers of the processes we store: baseline, extended and progressive, Huffman or arithmetic coded. */
const SUPPORTED_SOF = new Set([0xc0, 0xc1, 0xc2, 0xc9, 0xca]);
/** Lossless (SOF3, SOF11) and hierarchical (SOF5–7, SOF13–15) frames: valid JPEG that we do not accept. */
const UNSUPPORTED_SOF = new Set([0xc3, 0xc5, 0xc6, 0xc7, 0xcb, 0xcd, 0xce, 0xcf]);
/** Table and restart segments every decoder needs. */
const TABLE_MARKERS = new Set([0xc4, 0xcc, 0xdb, 0xdd]);

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const COM = 0xfe;
const APP0 = 0xe0;
const APP1 = 0xe1;
const APP2 = 0xe2;
const APP14 = 0xee;
/** Standalone marker without a length (decoders skip it). */
const TEM = 0x01;

const JFIF_IDENTIFIER = Buffer.from('JFIF\0', 'latin1');
const ICC_IDENTIFIER = Buffer.from('ICC_PROFILE\0', 'latin1');
const ADOBE_IDENTIFIER = Buffer.from('Adobe', 'latin1');

/**
 * Walks `bytes` (which must start with SOI) from SOI to EOI.
 *
 * Errors (ApiError): 422 `CORRUPT_IMAGE` when a segment runs past the end, a length is impossible, EOI is missing,
 * a marker is out of place, or there is no frame or scan; 415 `UNSUPPORTED_MEDIA_TYPE` for lossless and
 * hierarchical JPEG; 422 `DECOMPRESSION_BOMB` above {@link MAX_JPEG_SCANS} scans.
 *
 * `onFrame` runs as soon as the frame header is read, so size limits it enforces win over damage further on
 * (a truncated bomb is still a bomb).
 */
export function parseJpeg(bytes: Buffer, onFrame?: (frame: JpegFrameHeader) => void): JpegLayout {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== SOI) throw corrupt('missing SOI marker');
  const kept: ByteRange[] = [[0, 2]];
  const dropped: string[] = [];
  let frame: JpegFrameHeader | undefined;
  let orientation: ExifOrientation | undefined;
  let scans = 0;
  let pos = 2;
  for (;;) {
    if (pos >= bytes.length) throw corrupt('truncated: no EOI marker');
    if (bytes[pos] !== 0xff) throw corrupt(`expected a marker at byte ${pos}`);
    // Any number of 0xff fill bytes may precede a marker; the last one belongs to the marker.
    while (pos + 1 < bytes.length && bytes[pos + 1] === 0xff) pos += 1;
    if (pos + 1 >= bytes.length) throw corrupt('truncated: no EOI marker');
    const marker = bytes[pos + 1];
    if (marker === EOI) {
      if (!frame || scans === 0) throw corrupt('EOI before any scan');
      kept.push([pos, pos + 2]);
      if (pos + 2 < bytes.length) dropped.push('trailer');
      break;
    }
    if (marker === TEM) {
      dropped.push('TEM');
      pos += 2;
      continue;
    }
    if (marker === SOI || marker === 0x00 || (marker >= 0xd0 && marker <= 0xd7)) {
      throw corrupt(`marker 0xff${hex(marker)} out of place`);
    }
    if (pos + 4 > bytes.length) throw corrupt('truncated segment header');
    const length = bytes.readUInt16BE(pos + 2);
    const end = pos + 2 + length;
    if (length < 2) throw corrupt(`impossible segment length ${length}`);
    if (end > bytes.length) throw corrupt(`segment 0xff${hex(marker)} runs past the end of the file`);
    const payload = bytes.subarray(pos + 4, end);

    if (SUPPORTED_SOF.has(marker) || UNSUPPORTED_SOF.has(marker)) {
      if (frame) throw corrupt('more than one frame header');
      if (UNSUPPORTED_SOF.has(marker)) {
        throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Lossless and hierarchical JPEG are not accepted.');
      }
      frame = readFrameHeader(marker, payload);
      onFrame?.(frame);
      kept.push([pos, end]);
      pos = end;
      continue;
    }
    if (TABLE_MARKERS.has(marker)) {
      kept.push([pos, end]);
      pos = end;
      continue;
    }
    if (marker === SOS) {
      if (!frame) throw corrupt('scan before the frame header');
      scans += 1;
      if (scans > MAX_JPEG_SCANS) {
        throw new ApiError(422, 'DECOMPRESSION_BOMB', `The JPEG has more than ${MAX_JPEG_SCANS} scans.`);
      }
      const components = payload[0];
      if (components < 1 || components > 4 || length !== 6 + 2 * components) throw corrupt('bad scan header');
      const entropyEnd = findEntropyEnd(bytes, end);
      kept.push([pos, entropyEnd]);
      pos = entropyEnd;
      continue;
    }
    if ((marker >= APP0 && marker <= 0xef) || marker === COM) {
      if (keepsApplicationSegment(marker, payload)) {
        kept.push([pos, end]);
      } else {
        if (
          marker === APP1 &&
          orientation === undefined &&
          scans === 0 &&
          startsWith(payload, EXIF_IDENTIFIER)
        ) {
          orientation = readExifOrientation(payload.subarray(EXIF_IDENTIFIER.length));
        }
        dropped.push(marker === COM ? 'COM' : `APP${marker - APP0}`);
      }
      pos = end;
      continue;
    }
    // DNL, DHP, EXP, JPGn and reserved markers: nothing a camera or browser writes, and libjpeg refuses most.
    throw corrupt(`unsupported marker 0xff${hex(marker)}`);
  }
  if (!frame) throw corrupt('no frame header');
  return {
    frame,
    orientation: orientation ?? 1,
    scans,
    stripped: joinByteRanges(bytes, kept),
    dropped,
  };
}

function readFrameHeader(marker: number, payload: Buffer): JpegFrameHeader {
  if (payload.length < 6) throw corrupt('short frame header');
  const components = payload[5];
  if (components < 1 || payload.length !== 6 + 3 * components) throw corrupt('bad frame header length');
  const header = {
    marker,
    precision: payload[0],
    height: payload.readUInt16BE(1),
    width: payload.readUInt16BE(3),
    components,
  };
  // Height 0 defers the size to a DNL marker, which no encoder we accept writes and libjpeg cannot decode.
  if (header.width === 0 || header.height === 0) throw corrupt('frame declares zero width or height');
  return header;
}

/**
 * The entropy-coded segment ends at the first marker that is neither a stuffed 0xff00 nor a restart marker
 * (RST0–7). Returns the offset of that marker's first 0xff (fill bytes before it are left out).
 */
function findEntropyEnd(bytes: Buffer, from: number): number {
  let at = from;
  for (;;) {
    const ff = bytes.indexOf(0xff, at);
    if (ff < 0) throw corrupt('truncated: entropy-coded data has no end');
    let marker = ff;
    while (marker + 1 < bytes.length && bytes[marker + 1] === 0xff) marker += 1;
    if (marker + 1 >= bytes.length) throw corrupt('truncated: entropy-coded data has no end');
    const next = bytes[marker + 1];
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) {
      at = marker + 2;
      continue;
    }
    return ff;
  }
}

function keepsApplicationSegment(marker: number, payload: Buffer): boolean {
  if (marker === APP0) return startsWith(payload, JFIF_IDENTIFIER);
  if (marker === APP2) return startsWith(payload, ICC_IDENTIFIER);
  if (marker === APP14) return startsWith(payload, ADOBE_IDENTIFIER);
  return false;
}

function startsWith(payload: Buffer, prefix: Buffer): boolean {
  return payload.length >= prefix.length && payload.subarray(0, prefix.length).equals(prefix);
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

function corrupt(reason: string): ApiError {
  return new ApiError(422, 'CORRUPT_IMAGE', `The image could not be decoded (JPEG ${reason}).`);
}
