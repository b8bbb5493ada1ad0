/**
 * ISO 3166-1 alpha-3 codes (the API's country codes, as in the MRZ) with their alpha-2 twins, which is what
 * `Intl.DisplayNames` takes: names come from the browser in the user's language, so no name table ships.
 * Derived from the `mrz` package's state list; ICAO-only codes (organisations, refugees) are left out.
 */
const ALPHA3_ALPHA2 =
  'ABWAW AFGAF AGOAO AIAAI ALAAX ALBAL ANDAD AREAE ARGAR ARMAM ASMAS ATAAQ ATFTF ATGAG ' +
  'AUSAU AUTAT AZEAZ BDIBI BELBE BENBJ BESBQ BFABF BGDBD BGRBG BHRBH BHSBS BIHBA BLMBL ' +
  'BLRBY BLZBZ BMUBM BOLBO BRABR BRBBB BRNBN BTNBT BVTBV BWABW CAFCF CANCA CCKCC CHECH ' +
  'CHLCL CHNCN CIVCI CMRCM CODCD COGCG COKCK COLCO COMKM CPVCV CRICR CUBCU CUWCW CXRCX ' +
  'CYMKY CYPCY CZECZ DDE DEUDE DJIDJ DMADM DNKDK DOMDO DZADZ ECUEC EGYEG ERIER ESHEH ' +
  'ESPES ESTEE ETHET FINFI FJIFJ FLKFK FRAFR FROFO FSMFM GABGA GBRGB GEOGE GGYGG GHAGH ' +
  'GIBGI GINGN GLPGP GMBGM GNBGW GNQGQ GRCGR GRDGD GRLGL GTMGT GUFGF GUMGU GUYGY HKGHK ' +
  'HMDHM HNDHN HRVHR HTIHT HUNHU IDNID IMNIM INDIN IOTIO IRLIE IRNIR IRQIQ ISLIS ISRIL ' +
  'ITAIT JAMJM JEYJE JORJO JPNJP KAZKZ KENKE KGZKG KHMKH KIRKI KNAKN KORKR KWTKW LAOLA ' +
  'LBNLB LBRLR LBYLY LCALC LIELI LKALK LSOLS LTULT LUXLU LVALV MACMO MAFMF MARMA MCOMC ' +
  'MDAMD MDGMG MDVMV MEXMX MHLMH MKDMK MLIML MLTMT MMRMM MNEME MNGMN MNPMP MOZMZ MRTMR ' +
  'MSRMS MTQMQ MUSMU MWIMW MYSMY MYTYT NAMNA NCLNC NERNE NFKNF NGANG NICNI NIUNU NLDNL ' +
  'NORNO NPLNP NRUNR NZLNZ OMNOM PAKPK PANPA PCNPN PERPE PHLPH PLWPW PNGPG POLPL PRIPR ' +
  'PRKKP PRTPT PRYPY PSEPS PYFPF QATQA REURE RKSXK ROURO RUSRU RWARW SAUSA SDNSD SENSN ' +
  'SGPSG SGSGS SHNSH SJMSJ SLBSB SLESL SLVSV SMRSM SOMSO SPMPM SRBRS SSDSS STPST SURSR ' +
  'SVKSK SVNSI SWESE SWZSZ SXMSX SYCSC SYRSY TCATC TCDTD TGOTG THATH TJKTJ TKLTK TKMTM ' +
  'TLSTL TONTO TTOTT TUNTN TURTR TUVTV TWNTW TZATZ UGAUG UKRUA UMIUM URYUY USAUS UZBUZ ' +
  'VATVA VCTVC VENVE VGBVG VIRVI VNMVD VUTVU WLFWF WSMWS XXKXK YEMYD ZAFZA ZMBZM ZWEZW';

const ALPHA2_OF = new Map(ALPHA3_ALPHA2.split(' ').map((pair) => [pair.slice(0, 3), pair.slice(3)] as const));

/** Every country a document may come from, alpha-3. */
export const ALL_COUNTRY_CODES: readonly string[] = [...ALPHA2_OF.keys()];

/** The country's name in `locale`; the code itself when the browser has no name for it. */
export function countryName(alpha3: string, locale: string): string {
  const alpha2 = ALPHA2_OF.get(alpha3);
  if (!alpha2) return alpha3;
  try {
    return new Intl.DisplayNames([locale, 'en'], { type: 'region' }).of(alpha2) ?? alpha3;
  } catch {
    return alpha3;
  }
}

/** Codes sorted by their name in `locale`, for a select the user can scan. */
export function countriesByName(codes: readonly string[], locale: string): { code: string; name: string }[] {
  const collator = new Intl.Collator(locale);
  return codes
    .map((code) => ({ code, name: countryName(code, locale) }))
    .sort((a, b) => collator.compare(a.name, b.name));
}
