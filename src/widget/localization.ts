import { configureLocalization } from '@lit/localize';

/** English is the source language: its strings are inline in `msg()` calls, so the initial bundle needs no table. */
export const SOURCE_LOCALE = 'en';
export const TARGET_LOCALES = ['es', 'fr', 'de', 'pt', 'ar'] as const;
export type WidgetLocale = typeof SOURCE_LOCALE | (typeof TARGET_LOCALES)[number];

const RIGHT_TO_LEFT = new Set<string>(['ar']);

// Each table is its own chunk, fetched only when that locale is chosen.
const loaders: Record<
  (typeof TARGET_LOCALES)[number],
  () => Promise<{ templates: Record<string, unknown> }>
> = {
  es: () => import('./locales/es.js'),
  fr: () => import('./locales/fr.js'),
  de: () => import('./locales/de.js'),
  pt: () => import('./locales/pt.js'),
  ar: () => import('./locales/ar.js'),
};

let runtime: ReturnType<typeof configureLocalization> | undefined;

/** lit-localize allows one configuration per page; every widget on the page shares it. */
function localization(): ReturnType<typeof configureLocalization> {
  runtime ??= configureLocalization({
    sourceLocale: SOURCE_LOCALE,
    targetLocales: TARGET_LOCALES,
    loadLocale: (locale) =>
      loaders[locale as (typeof TARGET_LOCALES)[number]]() as ReturnType<
        Parameters<typeof configureLocalization>[0]['loadLocale']
      >,
  });
  return runtime;
}

/**
 * The first supported locale of the preferences, by language subtag (`pt-BR` → `pt`); English when none matches.
 * Preferences in order: the `locale` attribute, the session's locale, `navigator.language`.
 */
export function matchLocale(preferences: ReadonlyArray<string | undefined | null>): WidgetLocale {
  for (const preference of preferences) {
    if (!preference) continue;
    const language = preference.trim().toLowerCase().split(/[-_]/)[0];
    if (language === SOURCE_LOCALE) return SOURCE_LOCALE;
    const match = TARGET_LOCALES.find((locale) => locale === language);
    if (match) return match;
  }
  return SOURCE_LOCALE;
}

export function isRightToLeft(locale: string): boolean {
  return RIGHT_TO_LEFT.has(locale);
}

export function activeLocale(): WidgetLocale {
  return localization().getLocale() as WidgetLocale;
}

/** Loads the table (once) and re-renders every element that called `updateWhenLocaleChanges`. */
export async function applyLocale(locale: WidgetLocale): Promise<void> {
  await localization().setLocale(locale);
}
