/**
 * TFLite model metadata (tflite-support `metadata_schema.fbs`, file identifier `M001`) for legacy MediaPipe
 * models that have none. MediaPipe Tasks refuses a float32 image input without it ("it requires specifying
 * NormalizationOptions metadata to preprocess input images"); the legacy graphs did the normalization themselves.
 */
import { Builder, ByteBuffer } from 'flatbuffers';
import { AssetBuildError } from './asset-build-error.js';
import {
  embedVerbatim,
  FlatTable,
  finishModel,
  float32Vector,
  ModelField,
  MetadataField,
  metadataBufferBytes,
  offsetVector,
  onlySubgraph,
  readTfliteModel,
  SubGraphField,
  TFLITE_METADATA_NAME,
  tfliteBuffer,
} from './tflite-io.js';

/** `pixel' = (pixel - mean) / std` per channel (one value = all channels). */
export interface ImageNormalization {
  mean: number[];
  std: number[];
}

export interface ModelMetadataOptions extends ImageNormalization {
  /** Model name written into the metadata. */
  name: string;
  /** Number of output tensors; each gets an (empty) TensorMetadata so the counts match the graph. */
  outputCount: number;
}

// metadata_schema.fbs field indices and enum values we write.
const ModelMetadataField = { name: 0, subgraphMetadata: 3, minParserVersion: 7 } as const;
const SubGraphMetadataField = { inputTensorMetadata: 2, outputTensorMetadata: 3 } as const;
const TensorMetadataField = { name: 0, content: 3, processUnits: 4 } as const;
const ContentField = { contentPropertiesType: 0, contentProperties: 1 } as const;
const ProcessUnitField = { optionsType: 0, options: 1 } as const;
const NormalizationOptionsField = { mean: 0, std: 1 } as const;
const CONTENT_IMAGE_PROPERTIES = 2;
const COLOR_SPACE_RGB = 1;
const PROCESS_UNIT_NORMALIZATION = 1;
const METADATA_IDENTIFIER = 'M001';

/**
 * A `ModelMetadata` flatbuffer with one RGB image input normalized by mean/std and `outputCount` outputs.
 * The order of writes is fixed (it decides the bytes, and the recorded model checksums).
 */
export function buildModelMetadata({ name, mean, std, outputCount }: ModelMetadataOptions): Uint8Array {
  const m = new Builder(1024);
  const meanVector = float32Vector(m, mean);
  const stdVector = float32Vector(m, std);
  m.startObject(2);
  m.addFieldOffset(NormalizationOptionsField.mean, meanVector, 0);
  m.addFieldOffset(NormalizationOptionsField.std, stdVector, 0);
  const normalization = m.endObject();
  m.startObject(2);
  m.addFieldInt8(ProcessUnitField.optionsType, PROCESS_UNIT_NORMALIZATION, 0);
  m.addFieldOffset(ProcessUnitField.options, normalization, 0);
  const processUnit = m.endObject();
  const processUnits = offsetVector(m, [processUnit]);
  m.startObject(2);
  m.addFieldInt8(0, COLOR_SPACE_RGB, 0); // ImageProperties.color_space
  const imageProperties = m.endObject();
  m.startObject(3);
  m.addFieldInt8(ContentField.contentPropertiesType, CONTENT_IMAGE_PROPERTIES, 0);
  m.addFieldOffset(ContentField.contentProperties, imageProperties, 0);
  const content = m.endObject();
  const inputName = m.createString('image');
  m.startObject(7);
  m.addFieldOffset(TensorMetadataField.name, inputName, 0);
  m.addFieldOffset(TensorMetadataField.content, content, 0);
  m.addFieldOffset(TensorMetadataField.processUnits, processUnits, 0);
  const inputMetadata = m.endObject();
  const outputMetadata = Array.from({ length: outputCount }, (_, i) => {
    const outputName = m.createString(`output_${i}`);
    m.startObject(7);
    m.addFieldOffset(TensorMetadataField.name, outputName, 0);
    return m.endObject();
  });
  const inputs = offsetVector(m, [inputMetadata]);
  const outputs = offsetVector(m, outputMetadata);
  m.startObject(10);
  m.addFieldOffset(SubGraphMetadataField.inputTensorMetadata, inputs, 0);
  m.addFieldOffset(SubGraphMetadataField.outputTensorMetadata, outputs, 0);
  const subgraph = m.endObject();
  const subgraphs = offsetVector(m, [subgraph]);
  const modelName = m.createString(name);
  const minParserVersion = m.createString('1.0.0');
  m.startObject(8);
  m.addFieldOffset(ModelMetadataField.name, modelName, 0);
  m.addFieldOffset(ModelMetadataField.subgraphMetadata, subgraphs, 0);
  m.addFieldOffset(ModelMetadataField.minParserVersion, minParserVersion, 0);
  const root = m.endObject();
  m.finish(root, METADATA_IDENTIFIER);
  return m.asUint8Array();
}

export interface AddMetadataOptions extends ImageNormalization {
  name: string;
}

/**
 * Returns a copy of a single-input model with a `TFLITE_METADATA` entry added: a new root Model table, buffers
 * vector and metadata vector in front of the untouched original bytes (which stay 16-byte aligned).
 */
export function addTfliteMetadata(original: Uint8Array, { name, mean, std }: AddMetadataOptions): Uint8Array {
  const model = readTfliteModel(original);
  const subgraph = onlySubgraph(model);
  const inputCount = subgraph.int32Vector(SubGraphField.inputs).length;
  if (inputCount !== 1) {
    throw new AssetBuildError('UNEXPECTED_MODEL_LAYOUT', `expected 1 input tensor, found ${inputCount}`);
  }
  const existing = model.tables(ModelField.metadata);
  if (existing.some((entry) => entry.string(MetadataField.name) === TFLITE_METADATA_NAME)) {
    throw new AssetBuildError('METADATA_ALREADY_PRESENT', 'model already has TFLITE_METADATA');
  }
  const metadata = buildModelMetadata({
    name,
    mean,
    std,
    outputCount: subgraph.int32Vector(SubGraphField.outputs).length,
  });

  const b = new Builder(original.length + 8192);
  const embedded = embedVerbatim(b, original);
  const metadataBuffer = tfliteBuffer(b, metadata);
  const oldBuffers = model.tablePositions(ModelField.buffers);
  const buffers = offsetVector(b, [...oldBuffers.map(embedded.at), metadataBuffer]);
  const entryName = b.createString(TFLITE_METADATA_NAME);
  b.startObject(2);
  b.addFieldOffset(MetadataField.name, entryName, 0);
  b.addFieldInt32(MetadataField.buffer, oldBuffers.length, 0);
  const entry = b.endObject();
  const metadataEntries = offsetVector(b, [
    ...model.tablePositions(ModelField.metadata).map(embedded.at),
    entry,
  ]);
  b.startObject(8);
  b.addFieldInt32(ModelField.version, model.uint32(ModelField.version), 0);
  for (const field of [
    ModelField.operatorCodes,
    ModelField.subgraphs,
    ModelField.description,
    ModelField.metadataBuffer,
    ModelField.signatureDefs,
  ]) {
    const target = model.target(field);
    if (target) b.addFieldOffset(field, embedded.at(target), 0);
  }
  b.addFieldOffset(ModelField.buffers, buffers, 0);
  b.addFieldOffset(ModelField.metadata, metadataEntries, 0);
  return finishModel(b, b.endObject(), embedded);
}

/** The input normalization recorded in a model's TFLITE_METADATA, or undefined when it has none. */
export function readImageNormalization(model: Uint8Array): ImageNormalization | undefined {
  const metadata = metadataBufferBytes(model, TFLITE_METADATA_NAME);
  if (!metadata) return undefined;
  const bb = new ByteBuffer(metadata);
  if (!bb.__has_identifier(METADATA_IDENTIFIER)) return undefined;
  const root = new FlatTable(bb, bb.readUint32(0));
  const input = root
    .tables(ModelMetadataField.subgraphMetadata)[0]
    ?.tables(SubGraphMetadataField.inputTensorMetadata)[0];
  const unit = input
    ?.tables(TensorMetadataField.processUnits)
    .find((u) => u.int8(ProcessUnitField.optionsType) === PROCESS_UNIT_NORMALIZATION);
  const options = unit?.table(ProcessUnitField.options);
  if (!options) return undefined;
  return {
    mean: options.float32Vector(NormalizationOptionsField.mean),
    std: options.float32Vector(NormalizationOptionsField.std),
  };
}
