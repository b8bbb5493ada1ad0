/** Half-open [start, end) byte ranges of a file, as collected by the JPEG and PNG walkers. */
export type ByteRange = [start: number, end: number];

/** The ranges of `bytes` joined in order; `bytes` itself (no copy) when they cover it whole without gaps. */
export function joinByteRanges(bytes: Buffer, ranges: readonly ByteRange[]): Buffer {
  let whole = ranges.length > 0 && ranges[0][0] === 0 && ranges[ranges.length - 1][1] === bytes.length;
  for (let i = 1; i < ranges.length && whole; i += 1) whole = ranges[i][0] === ranges[i - 1][1];
  if (whole) return bytes;
  return Buffer.concat(ranges.map(([start, end]) => bytes.subarray(start, end)));
}
