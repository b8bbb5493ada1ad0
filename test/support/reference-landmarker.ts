/**
 * MediaPipe's FaceLandmarker as browser tests use it for reference: IMAGE mode on whole images, CPU delegate,
 * models and wasm from this repo's `dist/assets` (served by the test runner), transformation matrices on.
 */
import { FaceLandmarker, FilesetResolver } from '@mediapipe/tasks-vision';

export async function createReferenceLandmarker(numFaces = 2): Promise<FaceLandmarker> {
  const fileset = await FilesetResolver.forVisionTasks('/dist/assets/mediapipe');
  return FaceLandmarker.createFromOptions(fileset, {
    baseOptions: { modelAssetPath: '/dist/assets/models/face_landmarker.task', delegate: 'CPU' },
    runningMode: 'IMAGE',
    numFaces,
    outputFacialTransformationMatrixes: true,
  });
}
