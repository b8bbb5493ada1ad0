/**
 * Graph surgery that turns the legacy `face_landmark_with_attention.tflite` (from @mediapipe/face_mesh) into
 * the landmarks model MediaPipe Tasks' FaceLandmarker expects.
 *
 * The attention model has 7 outputs: mesh (468×3 = 1404), lips (80×2), left eye (71×2), right eye (71×2),
 * left iris (5×2), right iris (5×2), face flag. FaceLandmarker hard-codes 478 landmarks and reads output 0 as
 * 1434 floats, output 1 as the face flag; fed the 468-point model it silently returns garbage. We append
 * CONCATENATION(axis 3) of the six landmark tensors (1868 floats) and GATHER(axis 3) with a constant index map
 * to [1,1,1,1434], and make the outputs [landmarks_478, face flag]. The map reproduces the legacy
 * LandmarksRefinementCalculator: lips / eye / iris x,y override the mesh, z comes from the mesh; iris z is
 * taken from one lower-lid point instead of the legacy 16-point average (an approximation).
 */
import { Builder } from 'flatbuffers';
import { AssetBuildError } from './asset-build-error.js';
import { buildModelMetadata } from './tflite-metadata.js';
import {
  embedVerbatim,
  finishModel,
  int32Vector,
  MetadataField,
  ModelField,
  offsetVector,
  onlySubgraph,
  readTfliteModel,
  SubGraphField,
  TensorField,
  TensorType,
  TFLITE_METADATA_NAME,
  tfliteBuffer,
} from './tflite-io.js';

/** Mesh indices refined by the lips output, in the order of its points (legacy face_mesh refinement config). */
export const LIPS_REFINEMENT: readonly number[] = [
  61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 185, 40, 39, 37, 0, 267, 269, 270, 409, 78, 95, 88, 178,
  87, 14, 317, 402, 318, 324, 308, 191, 80, 81, 82, 13, 312, 311, 310, 415, 76, 77, 90, 180, 85, 16, 315, 404,
  320, 307, 306, 184, 74, 73, 72, 11, 302, 303, 304, 408, 62, 96, 89, 179, 86, 15, 316, 403, 319, 325, 292,
  183, 42, 41, 38, 12, 268, 271, 272, 407,
];

/** Mesh indices refined by the left-eye output (the subject's right eye, image left; MediaPipe's naming). */
export const LEFT_EYE_REFINEMENT: readonly number[] = [
  33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173, 130, 25, 110, 24, 23, 22, 26,
  112, 243, 247, 30, 29, 27, 28, 56, 190, 226, 31, 228, 229, 230, 231, 232, 233, 244, 113, 225, 224, 223, 222,
  221, 189, 35, 124, 46, 53, 52, 65, 143, 111, 117, 118, 119, 120, 121, 128, 245, 156, 70, 63, 105, 66, 107,
  55, 193,
];

/** Mesh indices refined by the right-eye output. */
export const RIGHT_EYE_REFINEMENT: readonly number[] = [
  263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398, 359, 255, 339, 254, 253,
  252, 256, 341, 463, 467, 260, 259, 257, 258, 286, 414, 446, 261, 448, 449, 450, 451, 452, 453, 464, 342,
  445, 444, 443, 442, 441, 413, 265, 353, 276, 283, 282, 295, 372, 340, 346, 347, 348, 349, 350, 357, 465,
  383, 300, 293, 334, 296, 336, 285, 417,
];

export const MESH_POINTS = 468;
export const REFINED_POINTS = 478;
/** First landmark of each iris in the 478-point output (5 points each: centre, then 4 on the rim). */
export const LEFT_IRIS_FIRST = 468;
export const RIGHT_IRIS_FIRST = 473;

/** Lower-lid mesh points whose z stands in for each iris's z. */
const LEFT_IRIS_Z_FROM = 145;
const RIGHT_IRIS_Z_FROM = 374;

/** Offsets of each output inside the concatenated 1868-float tensor. */
const CONCAT_OFFSET = {
  mesh: 0,
  lips: 1404,
  leftEye: 1564,
  rightEye: 1706,
  leftIris: 1848,
  rightIris: 1858,
} as const;
const CONCAT_LENGTH = 1868;

/** For each of the 1434 output floats (478 × x,y,z), its index in the concatenated landmark tensor. */
export function landmarkGatherIndices(): Int32Array {
  const idx = new Int32Array(REFINED_POINTS * 3);
  for (let i = 0; i < MESH_POINTS * 3; i++) idx[i] = i;
  const overrideXy = (meshIndices: readonly number[], base: number) =>
    meshIndices.forEach((mesh, k) => {
      idx[3 * mesh] = base + 2 * k;
      idx[3 * mesh + 1] = base + 2 * k + 1;
    });
  overrideXy(LIPS_REFINEMENT, CONCAT_OFFSET.lips);
  overrideXy(LEFT_EYE_REFINEMENT, CONCAT_OFFSET.leftEye);
  overrideXy(RIGHT_EYE_REFINEMENT, CONCAT_OFFSET.rightEye);
  for (let k = 0; k < 5; k++) {
    const left = 3 * (LEFT_IRIS_FIRST + k);
    idx[left] = CONCAT_OFFSET.leftIris + 2 * k;
    idx[left + 1] = CONCAT_OFFSET.leftIris + 2 * k + 1;
    idx[left + 2] = 3 * LEFT_IRIS_Z_FROM + 2;
    const right = 3 * (RIGHT_IRIS_FIRST + k);
    idx[right] = CONCAT_OFFSET.rightIris + 2 * k;
    idx[right + 1] = CONCAT_OFFSET.rightIris + 2 * k + 1;
    idx[right + 2] = 3 * RIGHT_IRIS_Z_FROM + 2;
  }
  return idx;
}

/** Little-endian bytes of an int32 array (TFLite buffers are little-endian whatever the host). */
function int32LittleEndian(values: Int32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setInt32(4 * i, values[i]!, true);
  return bytes;
}

// TFLite schema: BuiltinOperator and BuiltinOptions values, and Operator / OperatorCode field indices.
const OP_CONCATENATION = 2;
const OP_GATHER = 36;
const OPTIONS_CONCATENATION = 10;
const OPTIONS_GATHER = 23;
const OperatorCodeField = { deprecatedBuiltinCode: 0, version: 2, builtinCode: 3 } as const;
const OperatorField = {
  opcodeIndex: 0,
  inputs: 1,
  outputs: 2,
  builtinOptionsType: 3,
  builtinOptions: 4,
} as const;
const LANDMARK_AXIS = 3;

/** The attention landmark model rewired to FaceLandmarker's [landmarks_478, face flag] outputs, with metadata. */
export function buildLandmarks478(original: Uint8Array): Uint8Array {
  const model = readTfliteModel(original);
  const subgraph = onlySubgraph(model);
  const tensors = subgraph.tablePositions(SubGraphField.tensors);
  const outputs = subgraph.int32Vector(SubGraphField.outputs);
  if (outputs.length !== 7) {
    throw new AssetBuildError(
      'UNEXPECTED_MODEL_LAYOUT',
      `expected the 7 outputs of face_landmark_with_attention, found ${outputs.length}`,
    );
  }
  if (model.target(ModelField.metadata)) {
    throw new AssetBuildError('METADATA_ALREADY_PRESENT', 'landmark model already has metadata entries');
  }
  const opcodes = model.tablePositions(ModelField.operatorCodes);
  const buffers = model.tablePositions(ModelField.buffers);
  const operators = subgraph.tablePositions(SubGraphField.operators);

  const b = new Builder(original.length + 65536);
  const embedded = embedVerbatim(b, original);
  const at = embedded.at;

  // New buffers: the constant gather indices, then the metadata.
  const indexBuffer = tfliteBuffer(b, int32LittleEndian(landmarkGatherIndices()));
  const metadata = buildModelMetadata({
    name: 'face_landmarks_detector(478 from face_landmark_with_attention)',
    mean: [0],
    std: [255],
    outputCount: 2,
  });
  const metadataBuffer = tfliteBuffer(b, metadata);
  const indexBufferIndex = buffers.length;
  const metadataBufferIndex = buffers.length + 1;
  const buffersVector = offsetVector(b, [...buffers.map(at), indexBuffer, metadataBuffer]);

  // New tensors, after the existing ones.
  const concatTensorIndex = tensors.length;
  const indicesTensorIndex = tensors.length + 1;
  const landmarksTensorIndex = tensors.length + 2;
  const tensor = (name: string, shape: number[], type: number, bufferIndex: number) => {
    const nameOffset = b.createString(name);
    const shapeOffset = int32Vector(b, shape);
    b.startObject(10);
    b.addFieldOffset(TensorField.shape, shapeOffset, 0);
    b.addFieldInt8(TensorField.type, type, 0);
    b.addFieldInt32(TensorField.buffer, bufferIndex, 0);
    b.addFieldOffset(TensorField.name, nameOffset, 0);
    return b.endObject();
  };
  const concatTensor = tensor('landmarks_concat', [1, 1, 1, CONCAT_LENGTH], TensorType.FLOAT32, 0);
  const indicesTensor = tensor(
    'landmarks_gather_indices',
    [REFINED_POINTS * 3],
    TensorType.INT32,
    indexBufferIndex,
  );
  const landmarksTensor = tensor('landmarks_478', [1, 1, 1, REFINED_POINTS * 3], TensorType.FLOAT32, 0);
  const tensorsVector = offsetVector(b, [...tensors.map(at), concatTensor, indicesTensor, landmarksTensor]);

  const operatorCode = (code: number) => {
    b.startObject(4);
    b.addFieldInt8(OperatorCodeField.deprecatedBuiltinCode, code, 0);
    b.addFieldInt32(OperatorCodeField.version, 1, 1);
    b.addFieldInt32(OperatorCodeField.builtinCode, code, 0);
    return b.endObject();
  };
  const concatCode = operatorCode(OP_CONCATENATION);
  const gatherCode = operatorCode(OP_GATHER);
  const opcodesVector = offsetVector(b, [...opcodes.map(at), concatCode, gatherCode]);

  // ConcatenationOptions{axis} and GatherOptions{axis} both have axis as field 0.
  const axisOptions = () => {
    b.startObject(2);
    b.addFieldInt32(0, LANDMARK_AXIS, 0);
    return b.endObject();
  };
  const concatOptions = axisOptions();
  const gatherOptions = axisOptions();
  const operator = (
    opcodeIndex: number,
    ins: number[],
    outs: number[],
    optionsType: number,
    options: number,
  ) => {
    const insOffset = int32Vector(b, ins);
    const outsOffset = int32Vector(b, outs);
    b.startObject(14);
    b.addFieldInt32(OperatorField.opcodeIndex, opcodeIndex, 0);
    b.addFieldOffset(OperatorField.inputs, insOffset, 0);
    b.addFieldOffset(OperatorField.outputs, outsOffset, 0);
    b.addFieldInt8(OperatorField.builtinOptionsType, optionsType, 0);
    b.addFieldOffset(OperatorField.builtinOptions, options, 0);
    return b.endObject();
  };
  const concatOp = operator(
    opcodes.length,
    outputs.slice(0, 6),
    [concatTensorIndex],
    OPTIONS_CONCATENATION,
    concatOptions,
  );
  const gatherOp = operator(
    opcodes.length + 1,
    [concatTensorIndex, indicesTensorIndex],
    [landmarksTensorIndex],
    OPTIONS_GATHER,
    gatherOptions,
  );
  const operatorsVector = offsetVector(b, [...operators.map(at), concatOp, gatherOp]);
  const newOutputs = int32Vector(b, [landmarksTensorIndex, outputs[6]!]);

  b.startObject(6);
  b.addFieldOffset(SubGraphField.tensors, tensorsVector, 0);
  b.addFieldOffset(SubGraphField.inputs, at(subgraph.target(SubGraphField.inputs)), 0);
  b.addFieldOffset(SubGraphField.outputs, newOutputs, 0);
  b.addFieldOffset(SubGraphField.operators, operatorsVector, 0);
  const subgraphName = subgraph.target(SubGraphField.name);
  if (subgraphName) b.addFieldOffset(SubGraphField.name, at(subgraphName), 0);
  if (subgraph.fieldPosition(SubGraphField.debugMetadataIndex)) {
    b.addFieldInt32(SubGraphField.debugMetadataIndex, subgraph.int32(SubGraphField.debugMetadataIndex), -1);
  }
  const newSubgraph = b.endObject();
  const subgraphsVector = offsetVector(b, [newSubgraph]);

  const entryName = b.createString(TFLITE_METADATA_NAME);
  b.startObject(2);
  b.addFieldOffset(MetadataField.name, entryName, 0);
  b.addFieldInt32(MetadataField.buffer, metadataBufferIndex, 0);
  const metadataEntry = b.endObject();
  const metadataVector = offsetVector(b, [metadataEntry]);

  b.startObject(8);
  b.addFieldInt32(ModelField.version, model.uint32(ModelField.version), 0);
  b.addFieldOffset(ModelField.operatorCodes, opcodesVector, 0);
  b.addFieldOffset(ModelField.subgraphs, subgraphsVector, 0);
  const description = model.target(ModelField.description);
  if (description) b.addFieldOffset(ModelField.description, at(description), 0);
  b.addFieldOffset(ModelField.buffers, buffersVector, 0);
  const metadataBufferField = model.target(ModelField.metadataBuffer);
  if (metadataBufferField) b.addFieldOffset(ModelField.metadataBuffer, at(metadataBufferField), 0);
  b.addFieldOffset(ModelField.metadata, metadataVector, 0);
  const signatureDefs = model.target(ModelField.signatureDefs);
  if (signatureDefs) b.addFieldOffset(ModelField.signatureDefs, at(signatureDefs), 0);
  return finishModel(b, b.endObject(), embedded);
}
