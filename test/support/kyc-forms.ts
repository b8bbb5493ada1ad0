/** Request bodies of the KYC API's SDK steps shared by the node and end-to-end tests. */
import { readFileSync } from 'node:fs';
import { type LivenessPerson, livenessFramePath } from '../../scripts/make-liveness-fixtures.js';

/**
 * The multipart body of `liveness/process` for a passive burst: `person` holding still with a slight sway (three
 * frames `gapMs` apart), tagged with the generated challenge's nonce.
 */
export function burstProcessForm(
  sessionId: string,
  generated: { liveness_session_id: string; nonce: string },
  person: LivenessPerson,
  gapMs: number,
): FormData {
  const poses = ['neutral', 'sway-a', 'sway-b'] as const;
  const form = new FormData();
  form.append('session_id', sessionId);
  form.append('liveness_session_id', generated.liveness_session_id);
  form.append(
    'meta',
    JSON.stringify(
      poses.map((_, index) => ({
        nonce: generated.nonce,
        index,
        kind: 'burst',
        step: 0,
        capturedAtMs: gapMs * (index + 1),
      })),
    ),
  );
  for (const pose of poses) {
    const frame = readFileSync(livenessFramePath(person, pose));
    form.append('file', new Blob([new Uint8Array(frame)], { type: 'image/jpeg' }), `${pose}.jpg`);
  }
  return form;
}
