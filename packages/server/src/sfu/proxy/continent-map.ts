/**
 * Countries (ISO 3166-1 alpha-2) by continent, from the public country-codes data set
 * (github.com/datasets/country-codes), the same facts upstream places proxies by. Every country
 * belongs to exactly one continent there.
 */
const COUNTRIES_BY_CONTINENT: Readonly<Record<string, string>> = {
  AF:
    'AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW KE ' +
    'KM LR LS LY MA MG ML MR MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST ' +
    'SZ TD TG TN TZ UG YT ZA ZM ZW',
  AN: 'AQ BV GS HM TF',
  AS:
    'AE AF AM AZ BD BH BN BT CC CN GE HK ID IL IN IO IQ IR JO JP KG KH KP KR ' +
    'KW KZ LA LB LK MM MN MO MV MY NP OM PH PK PS QA SA SG SY TH TJ TM TR TW ' +
    'UZ VN YE',
  EU:
    'AD AL AT AX BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU ' +
    'IE IM IS IT JE LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ ' +
    'SK SM UA VA',
  NA:
    'AG AI AW BB BL BM BQ BS BZ CA CR CU CW DM DO GD GL GP GT HN HT JM KN KY ' +
    'LC MF MQ MS MX NI PA PM PR SV SX TC TT US VC VG VI',
  OC: 'AS AU CK CX FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TL TO TV ' + 'UM VU WF WS',
  SA: 'AR BO BR CL CO EC FK GF GY PE PY SR UY VE',
};

/** Continent codes. */
export const CONTINENTS = Object.keys(COUNTRIES_BY_CONTINENT);

const CONTINENT_OF = new Map<string, string>();
for (const [continent, countries] of Object.entries(COUNTRIES_BY_CONTINENT)) {
  for (const country of countries.split(' ')) {
    CONTINENT_OF.set(country, continent);
  }
}

/** The continent of a country code (upper case), or undefined for an unknown code. */
export function continentOf(country: string): string | undefined {
  return CONTINENT_OF.get(country);
}

/** Whether `country` is a known country code. */
export function isKnownCountry(country: string): boolean {
  return CONTINENT_OF.has(country);
}
