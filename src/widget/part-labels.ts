import { msg } from '@lit/localize';
import type { PartClassifier } from '../shared/api/common.js';

export function partLabel(classifier: PartClassifier): string {
  switch (classifier) {
    case 'FRONT':
      return msg('Front of the document', { id: 'part.FRONT' });
    case 'BACK':
      return msg('Back of the document', { id: 'part.BACK' });
    case 'FACE':
      return msg('Selfie', { id: 'part.FACE' });
  }
}
