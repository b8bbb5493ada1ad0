/**
 * Reading and appending to TFLite flatbuffers (schema: tensorflow/lite/schema/schema.fbs) without generated code.
 *
 * The transforms never re-encode a model: they place the original bytes verbatim at the end of a new buffer and
 * write new tables in front that point back into them, so tensor data keeps its 16-byte alignment and the result
 * is byte-for-byte reproducible. Field numbers below are the schema's field order.
 */
import { type Builder, ByteBuffer } from 'flatbuffers';
import { AssetBuildError } from './asset-build-error.js';

/** Field indices of the TFLite schema tables we touch. */
export const ModelField = {
  version: 0,
  operatorCodes: 1,
  subgraphs: 2,
  description: 3,
  buffers: 4,
  metadataBuffer: 5,
  metadata: 6,
  signatureDefs: 7,
} as const;
export const SubGraphField = {
  tensors: 0,
  inputs: 1,
  outputs: 2,
  operators: 3,
  name: 4,
  debugMetadataIndex: 5,
} as const;
export const TensorField = { shape: 0, type: 1, buffer: 2, name: 3 } as const;
export const MetadataField = { name: 0, buffer: 1 } as const;
export const BufferField = { data: 0 } as const;

/** TFLite `TensorType` values we name. */
export const TensorType = { FLOAT32: 0, INT32: 2 } as const;
const TENSOR_TYPE_NAMES = [
  'FLOAT32',
  'FLOAT16',
  'INT32',
  'UINT8',
  'INT64',
  'STRING',
  'BOOL',
  'INT16',
  'COMPLEX64',
  'INT8',
];

/** The metadata entry name tflite-support and MediaPipe Tasks look for. */
export const TFLITE_METADATA_NAME = 'TFLITE_METADATA';

/** One table of a flatbuffer, read by field index. Positions are absolute byte offsets into the buffer. */
export class FlatTable {
  constructor(
    readonly bb: ByteBuffer,
    readonly position: number,
  ) {}

  /** Position of field `index`'s inline value, or 0 when the field is absent (holds its default). */
  fieldPosition(index: number): number {
    const relative = this.bb.__offset(this.position, 4 + 2 * index);
    return relative ? this.position + relative : 0;
  }

  /** Position of the table, vector (its length word) or string that field `index` refers to, or 0. */
  target(index: number): number {
    const p = this.fieldPosition(index);
    return p ? this.bb.__indirect(p) : 0;
  }

  table(index: number): FlatTable | undefined {
    const p = this.target(index);
    return p ? new FlatTable(this.bb, p) : undefined;
  }

  /** Positions of the tables a vector-of-tables field refers to. */
  tablePositions(index: number): number[] {
    const vector = this.target(index);
    if (!vector) return [];
    const length = this.bb.readUint32(vector);
    return Array.from({ length }, (_, i) => this.bb.__indirect(vector + 4 + 4 * i));
  }

  tables(index: number): FlatTable[] {
    return this.tablePositions(index).map((p) => new FlatTable(this.bb, p));
  }

  int32Vector(index: number): number[] {
    const vector = this.target(index);
    if (!vector) return [];
    return Array.from({ length: this.bb.readUint32(vector) }, (_, i) =>
      this.bb.readInt32(vector + 4 + 4 * i),
    );
  }

  float32Vector(index: number): number[] {
    const vector = this.target(index);
    if (!vector) return [];
    return Array.from({ length: this.bb.readUint32(vector) }, (_, i) =>
      this.bb.readFloat32(vector + 4 + 4 * i),
    );
  }

  /** The bytes of a `[ubyte]` field, as a view into the buffer. */
  byteVector(index: number): Uint8Array | undefined {
    const vector = this.target(index);
    if (!vector) return undefined;
    return this.bb.bytes().subarray(vector + 4, vector + 4 + this.bb.readUint32(vector));
  }

  string(index: number): string | undefined {
    const p = this.fieldPosition(index);
    return p ? (this.bb.__string(p) as string) : undefined;
  }

  int8(index: number, fallback = 0): number {
    const p = this.fieldPosition(index);
    return p ? this.bb.readInt8(p) : fallback;
  }

  int32(index: number, fallback = 0): number {
    const p = this.fieldPosition(index);
    return p ? this.bb.readInt32(p) : fallback;
  }

  uint32(index: number, fallback = 0): number {
    const p = this.fieldPosition(index);
    return p ? this.bb.readUint32(p) : fallback;
  }
}

/** The root table of a flatbuffer. */
export function rootTable(bytes: Uint8Array): FlatTable {
  const bb = new ByteBuffer(bytes);
  return new FlatTable(bb, bb.readUint32(0));
}

/** The root `Model` table of a .tflite file; throws NOT_TFLITE when the identifier is not `TFL3`. */
export function readTfliteModel(bytes: Uint8Array): FlatTable {
  if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(4, 8)) !== 'TFL3') {
    throw new AssetBuildError('NOT_TFLITE', 'not a TFLite flatbuffer (identifier TFL3 missing)');
  }
  return rootTable(bytes);
}

/** The only subgraph of a single-subgraph model (all MediaPipe face models). */
export function onlySubgraph(model: FlatTable): FlatTable {
  const subgraphs = model.tables(ModelField.subgraphs);
  if (subgraphs.length !== 1) {
    throw new AssetBuildError('UNEXPECTED_MODEL_LAYOUT', `expected 1 subgraph, found ${subgraphs.length}`);
  }
  return subgraphs[0]!;
}

export interface TensorDescription {
  name: string;
  shape: number[];
  type: string;
}

export interface TfliteDescription {
  inputs: TensorDescription[];
  outputs: TensorDescription[];
  /** Metadata entries (name → buffer index), e.g. `TFLITE_METADATA`. */
  metadata: { name: string; buffer: number }[];
  bufferCount: number;
}

/** Inputs, outputs and metadata entry names of a single-subgraph model: enough to check a transform's result. */
export function describeTflite(bytes: Uint8Array): TfliteDescription {
  const model = readTfliteModel(bytes);
  const subgraph = onlySubgraph(model);
  const tensors = subgraph.tables(SubGraphField.tensors);
  const describe = (index: number): TensorDescription => {
    const t = tensors[index]!;
    return {
      name: t.string(TensorField.name) ?? '',
      shape: t.int32Vector(TensorField.shape),
      type: TENSOR_TYPE_NAMES[t.int8(TensorField.type)] ?? `type${t.int8(TensorField.type)}`,
    };
  };
  return {
    inputs: subgraph.int32Vector(SubGraphField.inputs).map(describe),
    outputs: subgraph.int32Vector(SubGraphField.outputs).map(describe),
    metadata: model.tables(ModelField.metadata).map((m) => ({
      name: m.string(MetadataField.name) ?? '',
      buffer: m.uint32(MetadataField.buffer),
    })),
    bufferCount: model.tablePositions(ModelField.buffers).length,
  };
}

/** The bytes of the model buffer a metadata entry (e.g. `TFLITE_METADATA`) points at, if present. */
export function metadataBufferBytes(bytes: Uint8Array, name: string): Uint8Array | undefined {
  const model = readTfliteModel(bytes);
  const entry = model.tables(ModelField.metadata).find((m) => m.string(MetadataField.name) === name);
  if (!entry) return undefined;
  return model.tables(ModelField.buffers)[entry.uint32(MetadataField.buffer)]?.byteVector(BufferField.data);
}

// ---- writing ----

/** Where `embedVerbatim` put the original bytes. */
export interface EmbeddedFlatbuffer {
  /** Builder offset of the first original byte. */
  start: number;
  /** Maps an absolute position inside the original bytes to a builder offset, to refer to its tables. */
  at(position: number): number;
}

/**
 * Copies `bytes` verbatim into the builder with their first byte `alignment`-aligned. Must be the first thing
 * written (the builder works back to front, so they end up at the end of the output). Public builder API only.
 */
export function embedVerbatim(builder: Builder, bytes: Uint8Array, alignment = 16): EmbeddedFlatbuffer {
  builder.prep(alignment, bytes.length);
  for (let i = bytes.length - 1; i >= 0; i--) builder.writeInt8(bytes[i]!);
  const start = builder.offset();
  return { start, at: (position) => start - position };
}

/** A `[ubyte]` vector whose data starts `alignment`-aligned (TFLite wants 16 for buffer data). */
export function alignedByteVector(builder: Builder, bytes: Uint8Array, alignment = 16): number {
  builder.startVector(1, bytes.length, alignment);
  for (let i = bytes.length - 1; i >= 0; i--) builder.writeInt8(bytes[i]!);
  return builder.endVector();
}

/** A vector of offsets (tables, strings, vectors); `offsets` are builder offsets. */
export function offsetVector(builder: Builder, offsets: readonly number[]): number {
  builder.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) builder.addOffset(offsets[i]!);
  return builder.endVector();
}

export function int32Vector(builder: Builder, values: ArrayLike<number>): number {
  builder.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) builder.addInt32(values[i]!);
  return builder.endVector();
}

export function float32Vector(builder: Builder, values: ArrayLike<number>): number {
  builder.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) builder.addFloat32(values[i]!);
  return builder.endVector();
}

/** A TFLite `Buffer` table holding `bytes` (16-byte aligned). */
export function tfliteBuffer(builder: Builder, bytes: Uint8Array): number {
  const data = alignedByteVector(builder, bytes);
  builder.startObject(3);
  builder.addFieldOffset(BufferField.data, data, 0);
  return builder.endObject();
}

/**
 * Finishes a model whose original bytes were embedded with `embedVerbatim`, checking that they are still
 * 16-byte aligned from the start of the output (XNNPACK and MediaPipe map tensor data in place).
 */
export function finishModel(builder: Builder, root: number, original: EmbeddedFlatbuffer): Uint8Array {
  builder.finish(root, 'TFL3');
  const out = builder.asUint8Array();
  if ((out.length - original.start) % 16 !== 0) {
    throw new AssetBuildError('ALIGNMENT_LOST', 'the original model bytes are no longer 16-byte aligned');
  }
  return out;
}
