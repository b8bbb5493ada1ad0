/**
 * Deterministic test media for idv-capture (Node only): specimen documents, camera-like scenes, MRZ and AAMVA
 * helpers. Same seed → same bytes. See test/fixtures/README.md.
 */
export { type AamvaOptions, aamvaPayload } from './aamva.js';
export { ASTRONAUT_PATH, ID1_MM, idCardBack, idCardFront, passportPage, TD3_MM } from './documents.js';
export {
  DOCUMENT_DESIGNS,
  type DesignedDocument,
  type DocumentDesign,
  designedDocument,
} from './designs.js';
export { registerSpecimenFonts } from './fonts.js';
export { type Holder, specimenHolder } from './holder.js';
export { breakCheckDigit, frenchIdMrz, mrzCheckDigit, td1Mrz, td2Mrz, td3Mrz } from './mrz.js';
export { SeededRandom } from './random.js';
export { encodeJpeg, encodePng, loadImage, type Point, type RgbaImage } from './rgba-image.js';
export {
  type FaceSceneOptions,
  photographDocument,
  renderFaceScene,
  renderScene,
  SCENE_BACKGROUNDS,
  sceneQuad,
  type SceneBackground,
  type SceneFinger,
  type SceneOptions,
} from './scene.js';
