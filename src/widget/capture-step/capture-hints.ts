import { msg } from '@lit/localize';
import type { DocumentIssue, FaceIssue } from '../../analysis/types.js';

/** The words for every reason code of the on-device checks (DESIGN.md §4); `OK` while the capture is about to fire. */
export function captureHint(issue: DocumentIssue | FaceIssue | 'OK' | string, selfie: boolean): string {
  switch (issue as DocumentIssue | FaceIssue | 'OK') {
    case 'OK':
      return selfie
        ? msg('Perfect, hold still…', { id: 'hint.OK.face' })
        : msg('Perfect, hold still…', { id: 'hint.OK.document' });
    case 'NO_DOCUMENT':
      return msg('Place your document in the frame', { id: 'hint.NO_DOCUMENT' });
    case 'DOCUMENT_TOO_FAR':
      return msg('Move the document closer', { id: 'hint.DOCUMENT_TOO_FAR' });
    case 'DOCUMENT_TOO_CLOSE':
      return msg('Move the document a little further away', { id: 'hint.DOCUMENT_TOO_CLOSE' });
    case 'DOCUMENT_CUT_OFF':
      return msg('Keep all four corners of the document in the frame', { id: 'hint.DOCUMENT_CUT_OFF' });
    case 'TILTED':
      // Perspective, not rotation: a card turned a little in the picture is fine (the checks undo it).
      return msg('Hold the phone parallel to the document', { id: 'hint.TILTED' });
    case 'BLURRY':
      return msg('The picture is blurry: hold still', { id: 'hint.BLURRY' });
    case 'GLARE':
      return msg('Avoid reflections: tilt the document or move away from the light', { id: 'hint.GLARE' });
    case 'TOO_DARK':
      return msg('It is too dark: find more light', { id: 'hint.TOO_DARK' });
    case 'TOO_BRIGHT':
      return msg('It is too bright: move out of direct light', { id: 'hint.TOO_BRIGHT' });
    case 'MOVING':
      return msg('Hold still', { id: 'hint.MOVING' });
    case 'NO_FACE_ON_DOCUMENT':
      return msg('Show the side with your photo', { id: 'hint.NO_FACE_ON_DOCUMENT' });
    case 'BARCODE_UNREADABLE':
      return msg('The barcode must be sharp and fully visible', { id: 'hint.BARCODE_UNREADABLE' });
    case 'RESOLUTION_TOO_LOW':
      return msg('The image is too small: use a better camera or a larger photo', {
        id: 'hint.RESOLUTION_TOO_LOW',
      });
    case 'NO_FACE':
      return msg('Position your face in the oval', { id: 'hint.NO_FACE' });
    case 'MULTIPLE_FACES':
      return msg('Only your face should be visible', { id: 'hint.MULTIPLE_FACES' });
    case 'FACE_TOO_SMALL':
      return msg('Move closer', { id: 'hint.FACE_TOO_SMALL' });
    case 'FACE_TOO_CLOSE':
      return msg('Move back a little', { id: 'hint.FACE_TOO_CLOSE' });
    case 'FACE_NOT_CENTERED':
      return msg('Center your face in the oval', { id: 'hint.FACE_NOT_CENTERED' });
    case 'FACE_NOT_FRONTAL':
      return msg('Look straight at the camera', { id: 'hint.FACE_NOT_FRONTAL' });
    case 'EYES_CLOSED':
      return msg('Keep your eyes open', { id: 'hint.EYES_CLOSED' });
    default:
      return selfie
        ? msg('Position your face in the oval', { id: 'hint.NO_FACE' })
        : msg('Place your document in the frame', { id: 'hint.NO_DOCUMENT' });
  }
}
