/** Fonts for specimens: DejaVu from Debian (`fonts-dejavu-core`), registered once under stable family names. */
import { existsSync } from 'node:fs';
import { GlobalFonts } from '@napi-rs/canvas';

const DEJAVU_DIR = '/usr/share/fonts/truetype/dejavu';

/** Families to use in `ctx.font`; they resolve to DejaVu, or to whatever Skia finds when DejaVu is missing. */
export const FONT = {
  sans: 'IdvSpecimenSans, DejaVu Sans, Liberation Sans, sans-serif',
  bold: 'IdvSpecimenSansBold, DejaVu Sans, Liberation Sans, sans-serif',
  mono: 'IdvSpecimenMono, DejaVu Sans Mono, Liberation Mono, monospace',
} as const;

let registered: boolean | undefined;

/**
 * Registers the DejaVu files. Returns false when they are missing (then Skia falls back to any system font and
 * the pixels of generated specimens differ from machines that have DejaVu).
 */
export function registerSpecimenFonts(): boolean {
  if (registered !== undefined) return registered;
  const files: [string, string][] = [
    ['DejaVuSans.ttf', 'IdvSpecimenSans'],
    ['DejaVuSans-Bold.ttf', 'IdvSpecimenSansBold'],
    ['DejaVuSansMono.ttf', 'IdvSpecimenMono'],
  ];
  registered = files.every(([file, alias]) => {
    const path = `${DEJAVU_DIR}/${file}`;
    return existsSync(path) && GlobalFonts.registerFromPath(path, alias) !== null;
  });
  if (!registered) {
    process.emitWarning(`DejaVu fonts not found in ${DEJAVU_DIR}; specimens fall back to a system font`, {
      code: 'IDV_SPECIMEN_FONT_FALLBACK',
    });
  }
  return registered;
}
