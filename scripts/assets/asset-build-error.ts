/** Why building the offline assets stopped. Each code names the input that did not look as expected. */
export type AssetBuildErrorCode =
  /** A file that should be a TFLite model has no `TFL3` identifier. */
  | 'NOT_TFLITE'
  /** The model's graph is not the one the transform was written for (subgraph, input or output count). */
  | 'UNEXPECTED_MODEL_LAYOUT'
  /** The model already carries the metadata we were about to add. */
  | 'METADATA_ALREADY_PRESENT'
  /** The rewritten flatbuffer would move the original tensor data off its 16-byte alignment. */
  | 'ALIGNMENT_LOST'
  /** The face_mesh packed-assets loader lists no file, or not one we need. */
  | 'PACKED_ASSET_MISSING'
  /** The packed-assets data file does not have the size its loader announces. */
  | 'PACKED_ASSET_SIZE_MISMATCH'
  /** An npm package or one of its files that the build reads is not installed. */
  | 'SOURCE_MISSING';

export class AssetBuildError extends Error {
  override readonly name = 'AssetBuildError';
  constructor(
    readonly code: AssetBuildErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
