"""Synthetic registrations in the exchange format, calibrated to the 2020 national report.

Pure Python (no Django). `generate(persons, year, seed)` yields rows (column -> cell
text) in the format of registration-format.md; `write_csv` writes them. Every number
the data is calibrated to is in `CALIBRATION` below, with the table of seed 003 (the
BrukerPlan annual report 2020) it comes from; `MODEL` holds the generator's own
parameters (turnover, persistence, duplicates, units), which are not in the report.

How a person is made
--------------------
* Category first (Tabell 5 shares), then sex given the category (Figur 1), then an
  age band given the category (Vedlegg 2 bands, tilted to the mean ages of Tabell 6).
* A latent severity `z` ~ N(0, 1) per person and year. The pair (rusmiddelbruk,
  psykisk_helse) is drawn from the category's cells of Tabell 1 and the six other
  living-condition areas from per-category colour shares, all through a Gaussian
  copula on `z`: every marginal is exact, and the areas are correlated. The colour
  shares are the area shapes of `CALIBRATION["omrader"]` shifted per category so that
  the category's mean levekårsindeks is Tabell 2's; the copula correlation per
  category is solved (by quadrature, at import) so that its standard deviation is
  Tabell 2's too. The index groups then follow.
* Every other answer is drawn with the published share per category or per main
  group, coupled to `z`, to one of the area latents, or to age, again through a
  copula, so shares stay as published while the answers hang together (no
  activities goes with red meaningful activity, midlertidig bolig with
  homelessness, sykehjem with old age, ...). Shares given only per main group are
  spread over the categories by their severity (Tabell 2), keeping the main-group
  share. Exclusive options (`ingen`, `vet_ikke`, `alene`) are drawn first; the other
  options are then drawn conditionally and, where an empty choice is not allowed,
  at least one is forced, with probabilities solved so the shares stay unchanged.

Persons across years
--------------------
Persons come from a pool that depends on the seed only. Every calendar year a
cohort of new persons enters the pool (cohort `E`, persons `j = 0, 1, ...`, each
made from its own random stream keyed by seed, E and j, so a person's fødselsnummer,
sex, birth date, home municipality, unit and permanent traits never depend on the
year asked for). A person stays a geometric number of years: each year they stay
with probability 1 - MODEL["turnover"] (0.7). The persons of year Y are those of the
recent cohorts (the first ~0.3 * persons of each) who are still there in Y, cut to
exactly `persons` by a permanent random key. So generating Y and Y+1 with the same
seed and about the same size shares ~70 % of the persons, with the same
fødselsnummer. Their answers change but are correlated: the severity is
sqrt(r) * permanent + sqrt(1 - r) * yearly noise, the areas' own noise is partly
permanent too, the category is kept with probability MODEL["category_kept"] (else
drawn afresh), and traits such as children, education and birth country are
mostly permanent.

Only synthetic fødselsnummer (month + 80) are produced.
"""

from __future__ import annotations

import bisect
import csv
import datetime
import functools
import hashlib
import math
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist

from brukerplan.instrument.definition import MULTI, Instrument, for_year
from brukerplan.registrations.pseudonyms import synthetic_number

METADATA_COLUMNS = (
    "registrering_id",
    "aar",
    "kartlagt_dato",
    "kommunenummer",
    "enhet",
    "enhetstype",
    "fodselsnummer",
)

CATEGORIES = (
    "ikke_rop",
    "mindre_alvorlig_rop",
    "alvorlig_rop",
    "psyk_mildere",
    "psyk_moderat",
    "psyk_alvorlig",
)
RUS, PSYKISK = "rus", "psykisk"
GROUP_OF = {c: (RUS if i < 3 else PSYKISK) for i, c in enumerate(CATEGORIES)}
# The six areas that do not define the category, and the index points (in units of
# 17.25: gronn 17.25, gul 34.5, rod 69).
OTHER_AREAS = (
    "bosituasjon",
    "meningsfull_aktivitet",
    "okonomi",
    "fysisk_helse",
    "sosial_fungering",
    "nettverk",
)
COLOURS = ("gronn", "gul", "rod")
UNITS_OF = {"gronn": 1, "gul": 2, "rod": 4}
AGE_BANDS = ((18, 23), (24, 29), (30, 39), (40, 49), (50, 59), (60, 69), (70, 89))

# =============================================================================
# CALIBRATION: the 2020 national annual report (seed 003). Shares are fractions.
# Per main group: {"rus": ..., "psykisk": ...}; per category: keyed by CATEGORIES.
# =============================================================================
CALIBRATION: dict = {
    # Tabell 5 / Tabell 1: adults (18+) per category (37,621 in all).
    "kategorier": {
        "ikke_rop": 1714,
        "mindre_alvorlig_rop": 7459,
        "alvorlig_rop": 2650,
        "psyk_mildere": 3356,
        "psyk_moderat": 19556,
        "psyk_alvorlig": 2886,
    },
    # Tabell 1: persons per (rusmiddelbruk, psykisk_helse) within each category.
    # The three alvorlig_rop cells of the source (1,887 / 1,559 / 1,816) sum to 5,262,
    # not to the 2,650 of the category; they are scaled by 2650/5262 here. That
    # reproduces the text's 56 % gul rusmiddelbruk among rus and 72 % gul psykisk
    # helse over all (and Figur 42's shares).
    "kombinasjoner": {
        "ikke_rop": {("gronn", "gronn"): 815, ("gul", "gronn"): 776, ("rod", "gronn"): 123},
        "mindre_alvorlig_rop": {
            ("gronn", "gronn"): 390,
            ("gul", "gronn"): 175,
            ("rod", "gronn"): 15,
            ("gronn", "gul"): 1902,
            ("gul", "gul"): 4737,
            ("gronn", "rod"): 240,
        },
        "alvorlig_rop": {("gul", "rod"): 915, ("rod", "gul"): 785, ("rod", "rod"): 950},
        "psyk_mildere": {("gronn", "gronn"): 3356},
        "psyk_moderat": {("gronn", "gul"): 19556},
        "psyk_alvorlig": {("gronn", "rod"): 2886},
    },
    # Tabell 2: levekårsindeks (mean, standard deviation) per category.
    "levekarsindeks": {
        "ikke_rop": (197, 54),
        "mindre_alvorlig_rop": (243, 53),
        "alvorlig_rop": (360, 68),
        "psyk_mildere": (156, 27),
        "psyk_moderat": (211, 41),
        "psyk_alvorlig": (303, 56),
    },
    # Tabell 2 totals, for checks: rus 263/79, psykisk 214/55, alle 230/67.
    "levekarsindeks_total": {RUS: (263, 79), PSYKISK: (214, 55), "alle": (230, 67)},
    # Levekårsindeks chapter: about 2,000 green, 10,000 red, 1,100 blålys of 37,621.
    "indeksgrupper": {"gronn": 2000, "rod": 10000, "blalys": 1100},
    # Figur 1: category shares of men (N 17,421) and women (N 20,200), turned into
    # the share of men per category; gives 67 % men among rus and 37 % among
    # psykisk (Vedlegg 2).
    "andel_menn": {
        "ikke_rop": 0.751,
        "mindre_alvorlig_rop": 0.650,
        "alvorlig_rop": 0.683,
        "psyk_mildere": 0.320,
        "psyk_moderat": 0.367,
        "psyk_alvorlig": 0.463,
    },
    # Vedlegg 2: age bands 18-23, 24-29, 30-39, 40-49, 50-59, 60-69, 70+.
    "alder_band": {
        RUS: (0.07, 0.11, 0.21, 0.22, 0.21, 0.12, 0.05),
        PSYKISK: (0.11, 0.13, 0.19, 0.17, 0.18, 0.13, 0.10),
    },
    # Tabell 6: mean age per category.
    "alder_snitt": {
        "ikke_rop": 49.0,
        "mindre_alvorlig_rop": 44.5,
        "alvorlig_rop": 43.0,
        "psyk_mildere": 45.1,
        "psyk_moderat": 44.8,
        "psyk_alvorlig": 47.6,
    },
    # Area shapes (gronn, gul, rod) before the per-category shift that gives Tabell 2's
    # means. rus: Figur 42 (rus, the 130 municipalities of 2020). psykisk: the figures
    # are images; the text gives 1 % homeless (Figur 6), 8 % red physical health
    # (Figur 13) and 7 % red network (Figur 20); the rest is set to match Tabell 2.
    "omrader": {
        RUS: {
            "bosituasjon": (0.742, 0.204, 0.053),
            "meningsfull_aktivitet": (0.267, 0.470, 0.263),
            "okonomi": (0.509, 0.363, 0.127),
            "fysisk_helse": (0.435, 0.462, 0.103),
            "sosial_fungering": (0.287, 0.598, 0.116),
            "nettverk": (0.247, 0.635, 0.118),
        },
        PSYKISK: {
            "bosituasjon": (0.86, 0.13, 0.01),
            "meningsfull_aktivitet": (0.44, 0.44, 0.12),
            "okonomi": (0.64, 0.30, 0.06),
            "fysisk_helse": (0.50, 0.42, 0.08),
            "sosial_fungering": (0.48, 0.47, 0.05),
            "nettverk": (0.40, 0.53, 0.07),
        },
    },
    # Figur 3 text: "opp mot en fjerdedel" have no education beyond grunnskole, 14 %
    # higher education over all, rus less schooling than psykisk. The split is ours.
    "utdanning": {
        RUS: {
            "grunnskole_ikke_fullfort": 0.04,
            "grunnskole": 0.27,
            "videregaende": 0.42,
            "hoyere": 0.08,
            "vet_ikke": 0.19,
        },
        PSYKISK: {
            "grunnskole_ikke_fullfort": 0.02,
            "grunnskole": 0.21,
            "videregaende": 0.45,
            "hoyere": 0.17,
            "vet_ikke": 0.15,
        },
    },
    # Figur 4 text: born in Norway 93 % (rus), 87 % (psykisk).
    "fodeland": {
        RUS: {"norge": 0.93, "europa": 0.03, "utenfor_europa": 0.035, "vet_ikke": 0.005},
        PSYKISK: {"norge": 0.87, "europa": 0.045, "utenfor_europa": 0.08, "vet_ikke": 0.005},
    },
    # Vedlegg 2 "Bor med"; Figur 23 text: 61 % of those caring for children live
    # with a partner.
    "bor_med": {
        RUS: {
            "alene": 0.73,
            "partner": 0.16,
            "barn_under_18": 0.05,
            "voksne_barn": 0.01,
            "foreldre": 0.06,
            "venner": 0.02,
            "vet_ikke": 0.02,
        },
        PSYKISK: {
            "alene": 0.52,
            "partner": 0.28,
            "barn_under_18": 0.19,
            "voksne_barn": 0.05,
            "foreldre": 0.09,
            "venner": 0.02,
            "vet_ikke": 0.01,
        },
    },
    "partner_gitt_omsorg": 0.61,
    # Tabell 11: share with own children per category (8,196 of 37,621), and
    # 14,322 children in all (1.7 per parent).
    "barn_andel": {
        "ikke_rop": 357 / 1714,
        "mindre_alvorlig_rop": 1388 / 7459,
        "alvorlig_rop": 392 / 2650,
        "psyk_mildere": 1019 / 3356,
        "psyk_moderat": 4661 / 19556,
        "psyk_alvorlig": 379 / 2886,
    },
    "barn_per_forelder": 14322 / 8196,
    # Vedlegg 2 "Barn": omsorg / samvær / ingen kontakt, share of all in the group.
    "barn_kontakt": {
        RUS: {"omsorg": 0.04, "samvaer": 0.10, "ingen_kontakt": 0.04},
        PSYKISK: {"omsorg": 0.19, "samvaer": 0.05, "ingen_kontakt": 0.01},
    },
    # "203 gravide mottakere" of 37,621, most with moderate psychic problems.
    "gravid": 203 / 37621,
    # Kontakt med andres barn: 342 rus and 849 psykisk persons, 1,880 children.
    "andres_barn": {RUS: 342 / 11823, PSYKISK: 849 / 25798, "barn_per_person": 1880 / 1191},
    # Vedlegg 2 "Aktivitet".
    "aktiviteter": {
        RUS: {
            "arbeid": 0.13,
            "utdanning": 0.04,
            "kommunal": 0.18,
            "brukerorganisasjon": 0.04,
            "frivillig": 0.08,
            "egen_regi": 0.42,
            "ingen": 0.34,
        },
        PSYKISK: {
            "arbeid": 0.26,
            "utdanning": 0.08,
            "kommunal": 0.24,
            "brukerorganisasjon": 0.03,
            "frivillig": 0.07,
            "egen_regi": 0.53,
            "ingen": 0.16,
        },
    },
    # Vedlegg 2 "Livsopphold" (5,370 of 37,621 in ordinary work).
    "livsopphold": {
        RUS: {"arbeid": 0.07, "nav": 0.86, "andre": 0.03, "annet": 0.05, "vet_ikke": 0.04},
        PSYKISK: {"arbeid": 0.18, "nav": 0.76, "andre": 0.05, "annet": 0.06, "vet_ikke": 0.03},
    },
    # Figur 10 text: 64 % of those in ordinary work work 75-100 %.
    "stillingsprosent": {"under_50": 0.19, "50_74": 0.17, "75_100": 0.64},
    # Figur 11 and 12 are images; the text: most have over five years, a fairly large
    # share "vet ikke"; for psykisk about half in work or under a year since, for rus
    # mostly over two years. The shares are ours.
    "arbeidserfaring": {
        RUS: {"ingen": 0.08, "under_1": 0.07, "1_5": 0.22, "over_5": 0.40, "vet_ikke": 0.23},
        PSYKISK: {"ingen": 0.08, "under_1": 0.06, "1_5": 0.22, "over_5": 0.48, "vet_ikke": 0.16},
    },
    # tid_siden_arbeid for those not in ordinary work (i_arbeid is set from livsopphold).
    "tid_siden_arbeid": {
        RUS: {"under_1": 0.12, "1_2": 0.12, "over_2": 0.58, "vet_ikke": 0.18},
        PSYKISK: {"under_1": 0.22, "1_2": 0.15, "over_2": 0.45, "vet_ikke": 0.18},
    },
    # Tabell 7: duration of the psychic problem (under_1, 1_3, over_3, vet_ikke).
    "varighet": {
        "mindre_alvorlig_rop": (0.01, 0.06, 0.87, 0.06),
        "alvorlig_rop": (0.01, 0.05, 0.90, 0.04),
        "psyk_mildere": (0.19, 0.23, 0.49, 0.09),
        "psyk_moderat": (0.05, 0.14, 0.77, 0.04),
        "psyk_alvorlig": (0.02, 0.06, 0.90, 0.02),
    },
    # Tabell 8: (selvmordsforsøk siste tre år, fare for selvmord).
    "selvmord": {
        "ikke_rop": (0.01, 0.01),
        "mindre_alvorlig_rop": (0.07, 0.09),
        "alvorlig_rop": (0.11, 0.17),
        "psyk_mildere": (0.02, 0.02),
        "psyk_moderat": (0.04, 0.07),
        "psyk_alvorlig": (0.09, 0.17),
    },
    # Tabell 9: (overdose, fare for overdose, ingen) -> (ingen, kun fare, kun overdose,
    # begge); gives Vedlegg 2's 2 / 8 / 4 / 87 % for rus.
    "overdose": {
        "ikke_rop": (0.95, 0.03, 0.01, 0.01),
        "mindre_alvorlig_rop": (0.91, 0.05, 0.02, 0.02),
        "alvorlig_rop": (0.69, 0.18, 0.01, 0.12),
    },
    # Tabell 10: (utsatt, utøver, ingen) -> (ingen, kun utsatt, kun utøver, begge);
    # gives Vedlegg 2's vold rows.
    "vold": {
        "ikke_rop": (0.87, 0.06, 0.05, 0.02),
        "mindre_alvorlig_rop": (0.73, 0.11, 0.08, 0.08),
        "alvorlig_rop": (0.46, 0.15, 0.16, 0.23),
        "psyk_mildere": (0.95, 0.04, 0.01, 0.00),
        "psyk_moderat": (0.92, 0.05, 0.02, 0.01),
        "psyk_alvorlig": (0.82, 0.05, 0.12, 0.01),
    },
    # Tjenester chapter: cognitive difficulties (known or suspected) 24 % rus, 17 %
    # psykisk; the split known/suspected and "vet ikke" are ours.
    "kognitive_vansker": {
        RUS: {"nei": 0.66, "kjent": 0.09, "mistanke": 0.15, "vet_ikke": 0.10},
        PSYKISK: {"nei": 0.75, "kjent": 0.07, "mistanke": 0.10, "vet_ikke": 0.08},
    },
    # Rusmidler chapter: 17 % of rus inject, 35 % in alvorlig ROP (the other two
    # categories are set to give 17 % over all).
    "injiserer": {"ikke_rop": 0.08, "mindre_alvorlig_rop": 0.127, "alvorlig_rop": 0.35},
    # Figur 16 is an image: alkohol 63 % (text) and 10,283 of 11,823 use at least one
    # substance (Figur 17); the other shares are ours.
    "rusmidler": {
        "ingen": 1 - 10283 / 11823,
        "alkohol": 0.63,
        "cannabis": 0.40,
        "sentralstimulerende": 0.35,
        "kokain": 0.09,
        "heroin": 0.08,
        "andre_opioider": 0.18,
        "legemidler": 0.35,
        "ghb": 0.03,
        "annet": 0.05,
    },
    # Tabell 13 (NAV and kommune per category) and the text on TSB (44 % of rus),
    # psykisk helsevern (29 % rus, 34 % psykisk) and somatic hospital services
    # (32 % rus, 26 % psykisk): share with at least one service of the group.
    "tjenestegrupper": {
        "nav": {
            "ikke_rop": 0.74,
            "mindre_alvorlig_rop": 0.88,
            "alvorlig_rop": 0.90,
            "psyk_mildere": 0.66,
            "psyk_moderat": 0.78,
            "psyk_alvorlig": 0.84,
        },
        "kommune": {
            "ikke_rop": 0.94,
            "mindre_alvorlig_rop": 0.96,
            "alvorlig_rop": 0.96,
            "psyk_mildere": 0.95,
            "psyk_moderat": 0.96,
            "psyk_alvorlig": 0.96,
        },
        # TSB 44 % of rus, psykisk helsevern 29 % (rus) / 34 % (psykisk), by the
        # text; spread over the categories by us, after Tabell 13's gradient.
        "tsb": {
            "ikke_rop": 0.38,
            "mindre_alvorlig_rop": 0.43,
            "alvorlig_rop": 0.50,
            "psyk_mildere": 0.0,
            "psyk_moderat": 0.0,
            "psyk_alvorlig": 0.0,
        },
        "phv": {
            "ikke_rop": 0.12,
            "mindre_alvorlig_rop": 0.29,
            "alvorlig_rop": 0.38,
            "psyk_mildere": 0.24,
            "psyk_moderat": 0.335,
            "psyk_alvorlig": 0.45,
        },
        # spread over the categories by severity
        "somatikk": {RUS: 0.32, PSYKISK: 0.26},
    },
    # Vedlegg 2: psykisk helsearbeid for 50 % of rus; split by us so that those
    # without a psychic problem (ikke_rop) get less of it.
    "psykisk_helsearbeid_rus": {
        "ikke_rop": 0.20,
        "mindre_alvorlig_rop": 0.53,
        "alvorlig_rop": 0.62,
    },
    # Tabell 13 "spesialisthelsetjenester" per category, for checks.
    "spesialist": {
        "ikke_rop": 0.58,
        "mindre_alvorlig_rop": 0.69,
        "alvorlig_rop": 0.79,
        "psyk_mildere": 0.36,
        "psyk_moderat": 0.50,
        "psyk_alvorlig": 0.66,
    },
    # Vedlegg 2, every service (rus, psykisk); "0 %" is set to 0.3 %, "-" to 0.
    "tjenester": {
        "nav.arbeidsrettet_tiltak": (0.10, 0.10),
        "nav.kvalifiseringsprogram": (0.01, 0.01),
        "nav.midlertidig_bolig": (0.06, 0.02),
        "nav.midlertidig_trygd": (0.23, 0.22),
        "nav.rad_veiledning": (0.40, 0.25),
        "nav.varig_tilrettelagt_arbeid": (0.01, 0.02),
        "nav.varig_trygd": (0.52, 0.46),
        "nav.familieytelser": (0.03, 0.08),
        "nav.okonomiforvaltning": (0.12, 0.04),
        "nav.sosialhjelp": (0.24, 0.08),
        "kommune.act": (0.07, 0.03),
        "kommune.oppsokende": (0.06, 0.04),
        "kommune.arbeid_aktivitet": (0.07, 0.08),
        "kommune.barnevern": (0.09, 0.06),
        "kommune.bolig_med_personale": (0.11, 0.08),
        "kommune.bolig_uten_personale": (0.26, 0.10),
        "kommune.fastlege": (0.90, 0.91),
        "kommune.fysio_ergo": (0.06, 0.10),
        "kommune.helsestasjon_ungdom": (0.003, 0.01),
        "kommune.hjemmesykepleie": (0.17, 0.12),
        "kommune.rusarbeid": (0.47, 0.01),
        "kommune.lavterskel": (0.14, 0.04),
        "kommune.medisinutdeling": (0.33, 0.19),
        "kommune.omsorgsinstitusjon": (0.03, 0.02),
        "kommune.praktisk_bistand": (0.20, 0.15),
        "kommune.psykisk_helsearbeid": (0.50, 0.81),
        "kommune.psykolog": (0.03, 0.05),
        "kommune.koordinator": (0.59, 0.17),
        "kommune.skolehelse": (0.01, 0.02),
        "kommune.stottekontakt": (0.05, 0.08),
        "kommune.svangerskap": (0.01, 0.01),
        "kommune.sykehjem": (0.01, 0.01),
        "tsb.act": (0.07, 0.0),
        "tsb.akutt": (0.06, 0.0),
        "tsb.ambulant": (0.03, 0.0),
        "tsb.dag": (0.01, 0.0),
        "tsb.dogn": (0.15, 0.0),
        "tsb.lar": (0.20, 0.0),
        "tsb.poliklinisk": (0.20, 0.0),
        "tsb.tvang_10_2": (0.01, 0.0),
        "tsb.tvang_10_3": (0.003, 0.0),
        "tsb.tvang_10_4": (0.003, 0.0),
        "phv.act": (0.07, 0.03),
        "phv.akutt": (0.10, 0.07),
        "phv.ambulant": (0.04, 0.05),
        "phv.dag": (0.02, 0.03),
        "phv.dogn": (0.09, 0.09),
        "phv.poliklinisk": (0.15, 0.23),
        "phv.tvang_dogn": (0.03, 0.02),
        "phv.tvang_observasjon": (0.02, 0.01),
        "phv.tvang_uten_dogn": (0.02, 0.01),
        "somatikk.akutt": (0.17, 0.09),
        "somatikk.dogn": (0.10, 0.07),
        "somatikk.poliklinisk": (0.20, 0.21),
        "andre.annet": (0.02, 0.02),
        "andre.selvhjelp": (0.05, 0.03),
        "andre.kriminalomsorg": (0.05, 0.002),
        "andre.frivillige": (0.08, 0.03),
        "andre.ppt_ot": (0.003, 0.01),
        "andre.tannlege": (0.39, 0.28),
        "andre.verge": (0.12, 0.08),
    },
    # Vedlegg 2 "Planer"; pakkeforløp: 1,905 of 37,621.
    "planer": {
        RUS: {
            "individuell_plan": 0.11,
            "ansvarsgruppe": 0.42,
            "kriseplan": 0.14,
            "nettverksgruppe": 0.03,
            "andre": 0.27,
            "ingen": 0.34,
        },
        PSYKISK: {
            "individuell_plan": 0.06,
            "ansvarsgruppe": 0.19,
            "kriseplan": 0.12,
            "nettverksgruppe": 0.02,
            "andre": 0.25,
            "ingen": 0.52,
        },
    },
    "pakkeforlop": 1905 / 37621,
    # Mottakere under 18 år: 77 rus and 363 psykisk (1.2 % of all in 2020; the
    # brief asks for 2-3 %, see MODEL); 91 % of psykisk and 71 % of rus in school,
    # 12 % of rus in no activity; mostly green areas except rus and psykisk helse.
    "under_18": {"rus_andel": 77 / 440, "skole": {RUS: 0.71, PSYKISK: 0.91}, "ingen": 0.12},
}

# =============================================================================
# MODEL: the generator's own parameters (not in the report).
# =============================================================================
MODEL: dict = {
    # Persons leave the pool with this probability each year (70 % stay).
    "turnover": 0.3,
    # Correlation of a person's severity between two years, and the permanent part
    # of each area's own noise.
    "severity_persistence": 0.6,
    "area_persistence": 0.5,
    # Probability that a person keeps their category from one year to the next
    # (else it is drawn afresh given sex, which keeps the shares).
    "category_kept": 0.8,
    # Probability that a permanent trait (children, education, ...) keeps its value.
    "trait_kept": 0.9,
    # Share of persons aged 16-17 in a year (the brief asks for about 2-3 %).
    "under_18_share": 0.022,
    # Extra registrations: same person mapped by a second unit of the same
    # municipality, and by a unit in another municipality of the same county.
    "duplicate_same_municipality": 0.025,
    "duplicate_other_municipality": 0.007,
    # Share of municipalities that map (about 250 of 356/357); the big cities always do.
    "participation": 0.70,
    # Strength with which main-group shares are spread over the categories by their
    # severity (Tabell 2), times the option's loading.
    "category_spread": 0.8,
    # Persons per municipality follow population ** 0.85 (small municipalities map
    # relatively more, Tabell 3 and 4). Population in thousands for the big
    # municipalities; the others get a log-normal random size from the seed.
    "size_exponent": 0.85,
    "big_municipalities": {
        "Oslo": 700,
        "Bergen": 290,
        "Trondheim": 210,
        "Stavanger": 145,
        "Bærum": 128,
        "Kristiansand": 115,
        "Drammen": 102,
        "Asker": 96,
        "Lillestrøm": 89,
        "Fredrikstad": 83,
        "Sandnes": 81,
        "Tromsø": 77,
        "Ålesund": 60,
        "Sarpsborg": 58,
        "Skien": 55,
        "Bodø": 52,
        "Sandefjord": 65,
        "Tønsberg": 57,
        "Larvik": 48,
        "Arendal": 45,
        "Nordre Follo": 61,
        "Ullensaker": 40,
        "Karmøy": 43,
        "Haugesund": 37,
        "Moss": 50,
        "Porsgrunn": 37,
        "Lørenskog": 47,
        "Øygarden": 39,
        "Ringsaker": 35,
        "Hamar": 32,
    },
    "small_size_median": 5.0,
    "small_size_sigma": 1.0,
    # Mapping period: two weeks starting between these days of the year's autumn.
    "period_first_start": (9, 1),
    "period_start_spread_days": 60,
    "period_days": 14,
    # Share of those who inject using each injectable substance (the others get
    # what is left of the published shares).
    "injected_substances": {"sentralstimulerende": 0.7, "heroin": 0.35, "andre_opioider": 0.5},
    # Other income of those in ordinary work.
    "worker_income": {"nav": 0.3, "andre": 0.02, "annet": 0.05},
}

# Units: (name, enhetstype, weight for rus, weight for psykisk, chance a municipality
# has it (small, big)). "NAV" gets the municipality's name. A municipality always has
# a core unit (one joint unit, or separate rus and psykisk units in bigger ones).
UNIT_CATALOGUE = (
    ("Boligtjenesten", "helse_omsorg", 0.9, 0.4, 0.25, 0.8),
    ("Hjemmetjenesten", "helse_omsorg", 0.3, 0.8, 0.55, 0.7),
    ("Aktivitetshuset", "helse_omsorg", 0.3, 0.5, 0.15, 0.6),
    ("Oppfølgingstjenesten", "helse_omsorg", 0.3, 0.3, 0.10, 0.4),
    ("Miljøtjenesten", "helse_omsorg", 0.2, 0.4, 0.10, 0.4),
    ("Lavterskeltilbudet", "helse_omsorg", 0.6, 0.1, 0.02, 0.5),
    ("NAV", "nav", 0.9, 0.3, 0.45, 0.6),
    ("Fastlegene", "fastlege", 0.3, 0.5, 0.20, 0.25),
    ("Barneverntjenesten", "barnevern", 0.15, 0.15, 0.15, 0.2),
    ("Flyktningtjenesten", "annen", 0.15, 0.2, 0.15, 0.4),
    ("Voksenopplæringen", "annen", 0.06, 0.1, 0.05, 0.2),
)
CORE_JOINT = ("Psykisk helse og rus", "helse_omsorg", 3.0, 3.0)
CORE_RUS = ("Rustjenesten", "helse_omsorg", 3.0, 0.2)
CORE_PSYKISK = ("Psykisk helsetjeneste", "helse_omsorg", 0.3, 3.0)


# =============================================================================
# Public API
# =============================================================================


def columns_for(year: int) -> list[str]:
    """The header of the exchange format for a mapping year."""
    return [*METADATA_COLUMNS, *for_year(year).answer_columns]


COLUMNS_FOR = columns_for


def generate(
    persons: int, year: int, seed: int, municipalities: list[str] | None = None
) -> Iterator[dict[str, str]]:
    """Rows of the exchange format for `persons` distinct persons mapped in `year`.

    Deterministic for (persons, year, seed, municipalities). A few percent of the
    persons are mapped twice (see MODEL), so there are more rows than persons.
    `municipalities` (four-digit codes valid in `year`) limits the data to those;
    by default about 250 municipalities are used, weighted by size.
    """
    if persons < 0:
        raise ValueError("persons must be zero or more")
    instrument = for_year(year)
    layout = _layout(instrument)
    world = _World(seed, year, municipalities)
    tables = _tables()
    used_numbers: set[str] = set()
    number = 0
    for _key, cohort, index in _members(seed, year, persons):
        person = _person(seed, cohort, index, tables)
        fnr = _fodselsnummer(person, used_numbers)
        rng = random.Random(f"brukerplan-synth:{seed}:person:{cohort}:{index}:{year}")
        answers = _answers(person, year, rng, tables)
        place = world.place(person, rng, answers)
        for municipality, unit, date, these in _registrations(place, answers, rng, world):
            number += 1
            row = {
                "registrering_id": f"SYN{year}-{seed}-{number:07d}",
                "aar": str(year),
                "kartlagt_dato": date.isoformat(),
                "kommunenummer": municipality,
                "enhet": unit[0],
                "enhetstype": unit[1],
                "fodselsnummer": fnr,
            }
            row.update(_cells(layout, these))
            yield row


@functools.cache
def _layout(instrument: Instrument) -> tuple[tuple[str, tuple[tuple[str, str], ...] | None], ...]:
    """Per question: its key, and for a multi question (option code, column) pairs."""
    return tuple(
        (q.key, tuple(zip(q.codes, q.columns, strict=True)) if q.type == MULTI else None)
        for q in instrument.questions
    )


def _cells(layout, answers: dict) -> dict[str, str]:
    """The answer cells of a row, in column order: `cells.to_cells`, faster."""
    cells: dict[str, str] = {}
    for key, options in layout:
        value = answers.get(key)
        if options is None:
            cells[key] = "" if value is None else str(value)
        elif value is None:
            for _code, column in options:
                cells[column] = ""
        else:
            chosen = set(value)
            for code, column in options:
                cells[column] = "1" if code in chosen else "0"
    return cells


def write_csv(rows: Iterable[dict[str, str]], path: str | Path) -> int:
    """Write rows as UTF-8 CSV with a header (RFC 4180 quoting); returns the row count.

    Every cell as the exchange format's export writes it (`exchange.csv_values`:
    text a spreadsheet would take for a formula gets a leading `'`).
    """
    from brukerplan.registrations.exchange import csv_values, spreadsheet_row

    count = 0
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        header: list[str] | None = None
        for row in rows:
            if header is None:
                header = list(row)
                writer.writerow(spreadsheet_row(header))
            writer.writerow(csv_values(header, row))
            count += 1
        if header is None:
            raise ValueError("no rows to write: the header would be unknown")
    return count


# =============================================================================
# Small helpers
# =============================================================================

_SQRT1_2 = 0.7071067811865476
_erf = math.erf
_NORMAL = NormalDist()


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x * _SQRT1_2))


def _probit(p: float) -> float:
    return _NORMAL.inv_cdf(min(max(p, 1e-9), 1 - 1e-9))


def _uniform(*parts: object) -> float:
    """A uniform number in [0, 1) from a stable hash (never Python's hash())."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _bisect_solve(f, target: float, low: float, high: float) -> float:
    """x in [low, high] with f(x) == target, f increasing."""
    for _ in range(80):
        mid = (low + high) / 2
        if f(mid) < target:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def _cumulative(weights: Sequence[float]) -> tuple[float, ...]:
    total = sum(weights)
    running, out = 0.0, []
    for w in weights[:-1]:
        running += w / total
        out.append(running)
    return tuple(out)


def _pick(cumulative: Sequence[float], u: float) -> int:
    return bisect.bisect_right(cumulative, u)


# =============================================================================
# Calibrated tables, computed once from CALIBRATION and MODEL
# =============================================================================

# Quadrature grid over z ~ N(0, 1) for the index variance.
_GRID = [i / 20 for i in range(-140, 141)]
_GRID_W = [math.exp(-x * x / 2) for x in _GRID]
_GRID_T = sum(_GRID_W)
_GRID_W = [w / _GRID_T for w in _GRID_W]


@dataclass(frozen=True)
class _Binary:
    """yes with probability Phi(alpha[c] + beta * driver + gamma * age): exact share p[c]."""

    alpha: tuple[float, ...]
    beta: float
    gamma: float
    driver: str

    def draw(self, rng: random.Random, c: int, d: dict[str, float]) -> bool:
        x = self.alpha[c]
        if self.beta:
            x += self.beta * d[self.driver]
        if self.gamma:
            x += self.gamma * d["age"]
        return rng.random() < 0.5 * (1.0 + _erf(x * _SQRT1_2))


def _binary(p: Sequence[float], driver: str = "z", loading: float = 0.0, age: float = 0.0):
    rest = math.sqrt(1 - loading * loading - age * age)
    alpha = tuple(-40.0 if q <= 0 else 40.0 if q >= 1 else _probit(q) / rest for q in p)
    return _Binary(alpha, loading / rest, age / rest, driver)


@dataclass(frozen=True)
class _Ordinal:
    """One of several ordered options per category through a copula on a driver."""

    cumulative: tuple[tuple[float, ...], ...]
    loading: float
    age: float
    driver: str
    rest: float

    def draw(self, rng: random.Random, c: int, d: dict[str, float]) -> int:
        x = self.rest * rng.gauss(0.0, 1.0)
        if self.loading:
            x += self.loading * d[self.driver]
        if self.age:
            x += self.age * d["age"]
        return _pick(self.cumulative[c], _phi(x))


def _ordinal(probs_by_category, driver: str = "z", loading: float = 0.0, age: float = 0.0):
    rest = math.sqrt(1 - loading * loading - age * age)
    return _Ordinal(tuple(_cumulative(p) for p in probs_by_category), loading, age, driver, rest)


@dataclass(frozen=True)
class _Multi:
    """Options of a multi question, drawn when the question is not 'empty'.

    `empty` is the chance of the exclusive / no-choice outcome; the options are then
    drawn with conditional probabilities scaled (per category) so that forcing at
    least one (when `at_least_one`) keeps each option's share.
    """

    empty: _Binary | None
    options: tuple[tuple[str, _Binary], ...]
    force: tuple[tuple[float, ...], ...]
    at_least_one: bool
    # per category: (code, alpha, beta, driver, gamma) of every option, for speed
    flat: tuple[tuple[tuple[str, float, float, str, float], ...], ...] = ()

    def __post_init__(self) -> None:
        flat = tuple(
            tuple((code, o.alpha[c], o.beta, o.driver, o.gamma) for code, o in self.options)
            for c in range(len(CATEGORIES))
        )
        object.__setattr__(self, "flat", flat)

    def draw(self, rng: random.Random, c: int, d: dict[str, float]) -> list[str] | None:
        if self.empty is not None and self.empty.draw(rng, c, d):
            return None
        rnd, erf, age = rng.random, _erf, d["age"]
        out = []
        for code, alpha, beta, driver, gamma in self.flat[c]:
            if rnd() < 0.5 + 0.5 * erf((alpha + beta * d[driver] + gamma * age) * _SQRT1_2):
                out.append(code)
        if self.at_least_one and not out:
            out.append(self.options[_pick(self.force[c], rnd())][0])
        return out


def _solve_scale(q: Sequence[float]) -> float:
    """f with f * sum(q) + prod(1 - f * q_i) == sum(q) (forcing one keeps the shares)."""
    total = sum(q)
    if total < 1:
        # at least one is always chosen, so the shares cannot sum to less than one
        return 1.0

    def expected(f: float) -> float:
        none = 1.0
        for x in q:
            none *= 1 - min(f * x, 0.999)
        return f * total + none

    if expected(1.0) <= total:
        return 1.0
    return _bisect_solve(expected, total, 0.0, 1.0)


def _multi(
    p_options: dict[str, Sequence[float]],
    p_empty: Sequence[float] | None,
    couplings: dict[str, tuple[str, float, float]],
    at_least_one: bool = True,
    empty_coupling: tuple[str, float, float] = ("z", 0.0, 0.0),
) -> _Multi:
    """Build a _Multi from per-category option shares (of all persons)."""
    codes = list(p_options)
    conditional = []
    scales = []
    for c in range(len(CATEGORIES)):
        keep = 1 - (p_empty[c] if p_empty else 0.0)
        q = [min(p_options[code][c] / keep, 0.98) if keep > 0 else 0.0 for code in codes]
        f = _solve_scale(q) if at_least_one else 1.0
        scales.append(f)
        conditional.append([min(f * x, 0.999) for x in q])
    options = []
    for i, code in enumerate(codes):
        driver, loading, age = couplings.get(code, ("z", 0.0, 0.0))
        probs = [conditional[c][i] for c in range(len(CATEGORIES))]
        options.append((code, _binary(probs, driver, loading, age)))
    force = tuple(
        _cumulative([max(x, 1e-6) for x in conditional[c]]) for c in range(len(CATEGORIES))
    )
    empty = None
    if p_empty is not None:
        empty = _binary(p_empty, *empty_coupling)
    return _Multi(empty, tuple(options), force, at_least_one)


@dataclass
class _Tables:
    weights: list[float] = field(default_factory=list)  # Tabell 5 shares
    category_cum: tuple[float, ...] = ()
    p_male: float = 0.0
    male: list[float] = field(default_factory=list)
    cat_given_sex: dict[str, tuple[float, ...]] = field(default_factory=dict)
    severity: list[float] = field(default_factory=list)  # category severity s_c
    combos: list[list[tuple[str, str]]] = field(default_factory=list)
    combo_cum: list[tuple[float, ...]] = field(default_factory=list)
    area_thresholds: list[list[tuple[float, float]]] = field(default_factory=list)
    rho: list[float] = field(default_factory=list)
    adult_bands: dict[str, list[float]] = field(default_factory=dict)
    band_cum: list[tuple[float, ...]] = field(default_factory=list)
    age_cdf: dict[str, list[float]] = field(default_factory=dict)
    binaries: dict[str, _Binary] = field(default_factory=dict)
    ordinals: dict[str, _Ordinal] = field(default_factory=dict)
    multis: dict[str, _Multi] = field(default_factory=dict)
    children_norm: list[float] = field(default_factory=list)
    relation_primary: dict[str, tuple[float, ...]] = field(default_factory=dict)
    relation_extra: dict[str, tuple[float, ...]] = field(default_factory=dict)
    service_p: dict[str, list[float]] = field(default_factory=dict)
    youth_entry: float = 0.0


_CHILD_AGE_FACTOR = (0.25, 0.8, 1.6, 1.6, 0.8, 0.12, 0.02)
_CHILD_COUNTS = ((1, 0.50), (2, 0.33), (3, 0.12), (4, 0.04), (5, 0.01))
_RELATIONS = ("omsorg", "samvaer", "ingen_kontakt")


def _by_category(per_group: dict[str, float]) -> list[float]:
    return [per_group[GROUP_OF[c]] for c in CATEGORIES]


def _spread(t: _Tables, per_group: dict[str, float], loading: float) -> list[float]:
    """Per-category shares from main-group shares, keeping each main group's share."""
    k = MODEL["category_spread"] * loading
    out = [0.0] * len(CATEGORIES)
    for group in (RUS, PSYKISK):
        members = [i for i, c in enumerate(CATEGORIES) if GROUP_OF[c] == group]
        total = sum(t.weights[i] for i in members)
        p = per_group[group]
        if p <= 0 or p >= 1 or k == 0:
            for i in members:
                out[i] = p
            continue

        def share(shift: float, members=members, total=total) -> float:
            return sum(t.weights[i] * _phi(shift + k * t.severity[i]) for i in members) / total

        shift = _bisect_solve(share, p, -10, 10)
        for i in members:
            out[i] = _phi(shift + k * t.severity[i])
    return out


def _area_distribution(thresholds: tuple[float, float], latent_shift: float):
    g = _phi(thresholds[0] - latent_shift)
    y = _phi(thresholds[1] - latent_shift) - g
    return g, y, 1 - g - y


def _index_moments(t: _Tables, c: int, rho: float) -> tuple[float, float]:
    """Mean and SD of the levekårsindeks (in units of 17.25) for category c and copula rho."""
    a, b = math.sqrt(rho), math.sqrt(1 - rho)
    combos, cum = t.combos[c], t.combo_cum[c]
    points = [UNITS_OF[r] + UNITS_OF[p] for r, p in combos]
    bounds = [_probit(x) for x in cum]
    mean = second = 0.0
    for z, w in zip(_GRID, _GRID_W, strict=True):
        m = v = 0.0
        # combination: category of the combos by the copula
        lows = [0.0, *(_phi((q - a * z) / b) for q in bounds), 1.0]
        probs = [lows[i + 1] - lows[i] for i in range(len(points))]
        cm = sum(p * x for p, x in zip(probs, points, strict=True))
        cv = sum(p * x * x for p, x in zip(probs, points, strict=True)) - cm * cm
        m += cm
        v += cv
        for t1, t2 in t.area_thresholds[c]:
            g = _phi((t1 - a * z) / b)
            y = _phi((t2 - a * z) / b) - g
            r = 1 - g - y
            am = g + 2 * y + 4 * r
            m += am
            v += g + 4 * y + 16 * r - am * am
        mean += w * m
        second += w * (v + m * m)
    return mean, math.sqrt(max(second - mean * mean, 0.0))


@functools.cache
def _tables() -> _Tables:
    t = _Tables()
    cal = CALIBRATION
    counts = [cal["kategorier"][c] for c in CATEGORIES]
    total = sum(counts)
    t.weights = [n / total for n in counts]
    t.category_cum = _cumulative(t.weights)
    t.male = [cal["andel_menn"][c] for c in CATEGORIES]
    t.p_male = sum(w * m for w, m in zip(t.weights, t.male, strict=True))
    for sex, share in (("mann", t.male), ("kvinne", [1 - m for m in t.male])):
        joint = [w * s for w, s in zip(t.weights, share, strict=True)]
        t.cat_given_sex[sex] = _cumulative(joint)
    # Category severity in main-group standard deviations (Tabell 2).
    totals = cal["levekarsindeks_total"]
    t.severity = [
        (cal["levekarsindeks"][c][0] - totals[GROUP_OF[c]][0]) / totals[GROUP_OF[c]][1]
        for c in CATEGORIES
    ]
    # Combinations, mildest first, and the six areas' thresholds and copula.
    for i, c in enumerate(CATEGORIES):
        cells = cal["kombinasjoner"][c]
        combos = sorted(cells, key=lambda rp: (UNITS_OF[rp[0]] + UNITS_OF[rp[1]], rp))
        t.combos.append(combos)
        t.combo_cum.append(_cumulative([cells[k] for k in combos]))
        group = GROUP_OF[c]
        shapes = [cal["omrader"][group][a] for a in OTHER_AREAS]
        base = [(_probit(g), _probit(g + y)) for g, y, _r in shapes]
        combo_mean = sum(cells[k] * (UNITS_OF[k[0]] + UNITS_OF[k[1]]) for k in combos) / sum(
            cells.values()
        )
        target = cal["levekarsindeks"][c][0] / 17.25 - combo_mean

        def others_mean(shift: float, base=base) -> float:
            s = 0.0
            for th in base:
                g, y, r = _area_distribution(th, shift)
                s += g + 2 * y + 4 * r
            return s

        shift = _bisect_solve(others_mean, target, -6, 6)
        t.area_thresholds.append([(t1 - shift, t2 - shift) for t1, t2 in base])
        sd_target = cal["levekarsindeks"][c][1] / 17.25
        t.rho.append(_bisect_solve(lambda r, i=i: _index_moments(t, i, r)[1], sd_target, 0.0, 0.97))
    _age_tables(t)
    _answer_tables(t)
    return t


_OLDEST_TARGET = 90  # the 70+ band: 70 + an exponential number of years (mean 6), at most 90
_MAX_AGE = 160


def _target_ages(band: int) -> list[tuple[int, float]]:
    lo, hi = AGE_BANDS[band]
    if band < len(AGE_BANDS) - 1:
        return [(a, 1 / (hi - lo + 1)) for a in range(lo, hi + 1)]
    q = math.exp(-1 / 6)
    out = [(70 + j, (1 - q) * q**j) for j in range(_OLDEST_TARGET - 70)]
    return [*out, (_OLDEST_TARGET, q ** (_OLDEST_TARGET - 70))]


def _years_in_pool() -> list[float]:
    """P(k): a person present in a year entered k years before (geometric)."""
    stay = 1 - MODEL["turnover"]
    p = [(1 - stay) * stay**k for k in range(60)]
    total = sum(p)
    return [x / total for x in p]


def _cross_section(entry: list[float], years: list[float]) -> list[float]:
    out = [0.0] * (_MAX_AGE + 1)
    for e, pe in enumerate(entry):
        if pe:
            for k, pk in enumerate(years):
                if e + k <= _MAX_AGE:
                    out[e + k] += pe * pk
    return out


def _age_tables(t: _Tables) -> None:
    """Entry ages such that the yearly cross-section has the published ages.

    An adult entrant gets a target age from a band, enters the pool at
    max(18, target - k') and is seen k years later (k, k' geometric, see _person);
    a youth entrant enters at 16 or 17. The cross-section of ages is computed
    exactly by convolution, and the band shares of the adult entrants are solved
    (fixed point) so that the adults of the cross-section have Vedlegg 2's bands.
    Per category the bands are tilted to Tabell 6's mean age, allowing for the
    persons whose category changed since they entered.
    """
    cal = CALIBRATION
    kept = MODEL["category_kept"]
    years = _years_in_pool()
    youth_entry = [0.0] * (_MAX_AGE + 1)
    youth_entry[16] = youth_entry[17] = 0.5
    youth = _cross_section(youth_entry, years)
    in_youth = youth[16] + youth[17]
    t.youth_entry = MODEL["under_18_share"] / in_youth
    y = t.youth_entry
    per_band = []
    for band in range(len(AGE_BANDS)):
        entry = [0.0] * (_MAX_AGE + 1)
        for target, p_target in _target_ages(band):
            for offset, p_offset in enumerate(years):
                entry[max(18, target - offset)] += p_target * p_offset
        per_band.append(_cross_section(entry, years))

    def adults(weights: Sequence[float]) -> list[float]:
        total = sum(weights)
        mix = [y * youth[a] for a in range(_MAX_AGE + 1)]
        for w, dist in zip(weights, per_band, strict=True):
            for a in range(18, _MAX_AGE + 1):
                mix[a] += (1 - y) * w / total * dist[a]
        mass = sum(mix[18:])
        return [0.0] * 18 + [x / mass for x in mix[18:]]

    def band_shares(dist: list[float]) -> list[float]:
        return [sum(dist[a] for a in range(18, _MAX_AGE + 1) if _band(a) == b) for b in range(7)]

    def mean(dist: list[float]) -> float:
        return sum(a * p for a, p in enumerate(dist))

    for group in (RUS, PSYKISK):
        target = list(cal["alder_band"][group])
        target = [x / sum(target) for x in target]
        weights = target[:]
        for _ in range(60):
            shares = band_shares(adults(weights))
            weights = [w * x / s for w, x, s in zip(weights, target, shares, strict=True)]
        t.adult_bands[group] = [w / sum(weights) for w in weights]
        dist = adults(weights)
        scores, running = [0.0] * (_MAX_AGE + 1), 0.0
        for a in range(18, _MAX_AGE + 1):
            scores[a] = _probit(min(max(running + dist[a] / 2, 0.001), 0.999))
            running += dist[a]
        t.age_cdf[group] = scores
    mean_all = sum(w * cal["alder_snitt"][c] for w, c in zip(t.weights, CATEGORIES, strict=True))
    mids = [sum(a * p for a, p in _target_ages(b)) for b in range(len(AGE_BANDS))]
    for c in CATEGORIES:
        base = t.adult_bands[GROUP_OF[c]]
        # the persons whose category changed have about the overall mean age
        wanted = (cal["alder_snitt"][c] - (1 - kept) * mean_all) / kept

        def tilted(theta: float, base=base) -> list[float]:
            return [b * math.exp(theta * (m - 45)) for b, m in zip(base, mids, strict=True)]

        theta = _bisect_solve(lambda x, tilted=tilted: mean(adults(tilted(x))), wanted, -0.2, 0.2)
        weights = tilted(theta)
        t.band_cum.append(_cumulative(weights))
        shares = band_shares(adults(weights))
        t.children_norm.append(sum(s * f for s, f in zip(shares, _CHILD_AGE_FACTOR, strict=True)))


def _age_score(t: _Tables, group: str, age: int) -> float:
    """The age as a standard normal score within the main group's adults."""
    if age < 18:
        return -2.5
    return t.age_cdf[group][min(age, _MAX_AGE)]


# Couplings: option -> (driver, loading, age loading). Drivers are "z" (severity),
# the six area latents, "rus" and "psyk" (the category pair), "suicide", "violence".
_SERVICE_COUPLING = {
    "nav.arbeidsrettet_tiltak": ("meningsfull_aktivitet", -0.15, -0.3),
    "nav.kvalifiseringsprogram": ("z", 0.0, -0.3),
    "nav.midlertidig_bolig": ("bosituasjon", 0.7, 0.0),
    "nav.midlertidig_trygd": ("z", 0.1, -0.4),
    "nav.rad_veiledning": ("z", 0.2, -0.1),
    "nav.varig_trygd": ("z", 0.1, 0.5),
    "nav.familieytelser": ("z", 0.0, -0.2),
    "nav.okonomiforvaltning": ("okonomi", 0.6, 0.0),
    "nav.sosialhjelp": ("okonomi", 0.5, -0.2),
    "kommune.act": ("z", 0.5, 0.0),
    "kommune.oppsokende": ("z", 0.4, 0.0),
    "kommune.arbeid_aktivitet": ("meningsfull_aktivitet", -0.1, -0.1),
    "kommune.bolig_med_personale": ("sosial_fungering", 0.5, 0.0),
    "kommune.bolig_uten_personale": ("bosituasjon", 0.2, 0.0),
    "kommune.fysio_ergo": ("fysisk_helse", 0.5, 0.2),
    "kommune.helsestasjon_ungdom": ("z", 0.0, -0.8),
    "kommune.hjemmesykepleie": ("fysisk_helse", 0.4, 0.4),
    "kommune.rusarbeid": ("rus", 0.3, 0.0),
    "kommune.lavterskel": ("bosituasjon", 0.4, 0.0),
    "kommune.medisinutdeling": ("z", 0.4, 0.0),
    "kommune.omsorgsinstitusjon": ("z", 0.4, 0.3),
    "kommune.praktisk_bistand": ("sosial_fungering", 0.5, 0.2),
    "kommune.psykisk_helsearbeid": ("psyk", 0.3, 0.0),
    "kommune.psykolog": ("z", 0.1, -0.3),
    "kommune.koordinator": ("z", 0.3, 0.0),
    "kommune.skolehelse": ("z", 0.0, -0.8),
    "kommune.stottekontakt": ("nettverk", 0.4, 0.0),
    "kommune.sykehjem": ("fysisk_helse", 0.3, 0.75),
    "tsb.lar": ("z", 0.1, 0.2),
    "phv.akutt": ("psyk", 0.3, -0.1),
    "phv.dogn": ("psyk", 0.3, -0.1),
    "phv.tvang_dogn": ("psyk", 0.4, 0.0),
    "phv.tvang_observasjon": ("psyk", 0.4, 0.0),
    "phv.tvang_uten_dogn": ("psyk", 0.4, 0.0),
    "somatikk.akutt": ("fysisk_helse", 0.3, 0.2),
    "somatikk.dogn": ("fysisk_helse", 0.4, 0.4),
    "somatikk.poliklinisk": ("fysisk_helse", 0.3, 0.3),
    "andre.kriminalomsorg": ("violence", 0.6, -0.2),
    "andre.ppt_ot": ("z", 0.0, -0.8),
    "andre.verge": ("okonomi", 0.4, 0.2),
    "andre.tannlege": ("z", 0.1, 0.0),
}
# Group-level coupling of "has at least one service of the group".
_GROUP_COUPLING = {
    "nav": ("okonomi", 0.4, 0.0),
    "kommune": ("z", 0.3, 0.0),
    "tsb": ("rus", 0.4, -0.1),
    "phv": ("psyk", 0.4, -0.2),
    "somatikk": ("fysisk_helse", 0.3, 0.3),
}
_OTHER_SERVICES = tuple(k for k in CALIBRATION["tjenester"] if k.startswith("andre."))
# Services with their own rule (children, pregnancy), drawn outside the groups.
_SPECIAL_SERVICES = ("kommune.barnevern", "kommune.svangerskap")
# Groups whose options are drawn without coupling, given the group (which is coupled):
# coupling both would over-fire the options.
_UNCOUPLED_GROUPS = ("tsb", "phv", "somatikk")
_INJECTED = MODEL["injected_substances"]
_WORKER_INCOME = MODEL["worker_income"]


def _negated(coupling: tuple[str, float, float]) -> tuple[str, float, float]:
    driver, loading, age = coupling
    return driver, -loading, -age


def _answer_tables(t: _Tables) -> None:
    cal = CALIBRATION
    n = len(CATEGORIES)
    b, o, m = t.binaries, t.ordinals, t.multis

    def per_cat(table: dict[str, Sequence[float]], index: int) -> list[float]:
        return [table[c][index] if c in table else 0.0 for c in CATEGORIES]

    def groupwise(table: dict[str, dict[str, float]], option: str) -> dict[str, float]:
        return {g: table[g][option] for g in (RUS, PSYKISK)}

    # --- background ----------------------------------------------------------
    edu_codes = list(cal["utdanning"][RUS])
    known = [c for c in edu_codes if c != "vet_ikke"]
    b["utdanning.vet_ikke"] = _binary(
        _by_category({g: cal["utdanning"][g]["vet_ikke"] for g in (RUS, PSYKISK)})
    )
    o["utdanning"] = _ordinal(
        [[cal["utdanning"][GROUP_OF[c]][k] for k in known] for c in CATEGORIES], "z", -0.25, 0.15
    )
    land = cal["fodeland"]
    o["fodeland"] = _ordinal([list(land[GROUP_OF[c]].values()) for c in CATEGORIES])

    # --- living arrangements -------------------------------------------------
    bor = cal["bor_med"]
    care = cal["barn_kontakt"]
    partner_care = cal["partner_gitt_omsorg"]
    # Those caring for children live with them (and 61 % with a partner); the shares
    # of the others are conditional on not caring for children.
    others = ("partner", "voksne_barn", "foreldre", "venner")
    alone, unknown, with_others = [], [], {k: [] for k in others}
    for c in CATEGORIES:
        g = GROUP_OF[c]
        rest = 1 - care[g]["omsorg"]
        alone.append(bor[g]["alene"] / rest)
        unknown.append(bor[g]["vet_ikke"] / rest)
        for k in others:
            share = bor[g][k] - (partner_care * care[g]["omsorg"] if k == "partner" else 0)
            with_others[k].append(max(share, 0.0) / rest)
    b["bor_med.vet_ikke"] = _binary(unknown)
    b["bor_med.alene"] = _binary(
        [a / (1 - u) for a, u in zip(alone, unknown, strict=True)], "nettverk", 0.3
    )
    not_alone = [1 - a - u for a, u in zip(alone, unknown, strict=True)]
    m["bor_med"] = _multi(
        {k: [v[i] / not_alone[i] for i in range(n)] for k, v in with_others.items()},
        None,
        {"foreldre": ("z", 0.0, -0.6), "voksne_barn": ("z", 0.0, 0.6)},
    )

    # --- children ------------------------------------------------------------
    for g in (RUS, PSYKISK):
        has = sum(
            t.weights[i] * cal["barn_andel"][c]
            for i, c in enumerate(CATEGORIES)
            if GROUP_OF[c] == g
        ) / sum(t.weights[i] for i, c in enumerate(CATEGORIES) if GROUP_OF[c] == g)
        targets = [care[g][r] / has for r in _RELATIONS]
        total = sum(targets)
        primary = [x / total for x in targets]
        two_or_more = 1 - _CHILD_COUNTS[0][1]
        extra = [
            min(max((x - p) / ((1 - p) * two_or_more), 0.0), 1.0) if p < 1 else 0.0
            for x, p in zip(targets, primary, strict=True)
        ]
        t.relation_primary[g] = _cumulative(primary)
        t.relation_extra[g] = tuple(extra)

    # --- activity and income --------------------------------------------------
    akt = cal["aktiviteter"]
    akt_codes = [k for k in akt[RUS] if k != "ingen"]
    akt_none = _spread(t, groupwise(akt, "ingen"), 0.5)
    # (not on meningsfull_aktivitet itself: it decides "ingen" already)
    akt_coupling = {
        "arbeid": ("okonomi", -0.4, -0.1),
        "utdanning": ("z", 0.0, -0.7),
        "kommunal": ("z", 0.15, 0.0),
        "egen_regi": ("nettverk", -0.2, 0.0),
    }
    m["aktiviteter"] = _multi(
        {k: _spread(t, groupwise(akt, k), akt_coupling.get(k, ("z", 0, 0))[1]) for k in akt_codes},
        akt_none,
        akt_coupling,
        empty_coupling=("meningsfull_aktivitet", 0.75, 0.0),
    )
    liv = cal["livsopphold"]
    akt_work = _spread(t, groupwise(akt, "arbeid"), -0.4)
    liv_work = _spread(t, groupwise(liv, "arbeid"), -0.4)
    # ordinary work only among those with work as activity
    b["livsopphold.arbeid"] = _binary(
        [min(lw / aw, 0.95) for lw, aw in zip(liv_work, akt_work, strict=True)], "okonomi", -0.3
    )
    # Those in ordinary work may have other income besides (_WORKER_INCOME); the
    # others' shares are what is left, among those not in ordinary work.
    rest = {
        k: [
            (liv[GROUP_OF[c]][k] - liv_work[i] * _WORKER_INCOME[k]) / (1 - liv_work[i])
            for i, c in enumerate(CATEGORIES)
        ]
        for k in ("nav", "andre", "annet")
    }
    vet = [liv[GROUP_OF[c]]["vet_ikke"] / (1 - liv_work[i]) for i, c in enumerate(CATEGORIES)]
    m["livsopphold"] = _multi(rest, vet, {"andre": ("z", 0.0, -0.6), "nav": ("z", 0.2, 0.2)})
    for k, p in _WORKER_INCOME.items():
        b["livsopphold.arbeid." + k] = _binary([p] * n)
    o["stillingsprosent"] = _ordinal([list(cal["stillingsprosent"].values())] * n, "z", -0.3)
    # Those in ordinary work know it and have some experience; the shares of the
    # others are what is left.
    exp = cal["arbeidserfaring"]
    levels = ("ingen", "under_1", "1_5", "over_5")
    workers = [0.0, 0.15, 0.35, 0.5]
    others_exp = []
    for i, c in enumerate(CATEGORIES):
        w = liv_work[i]
        shares = [
            (exp[GROUP_OF[c]][k] - w * x) / (1 - w) for k, x in zip(levels, workers, strict=True)
        ]
        others_exp.append([max(x, 0.001) for x in shares])
    b["arbeidserfaring.vet_ikke"] = _binary(
        [exp[GROUP_OF[c]]["vet_ikke"] / (1 - liv_work[i]) for i, c in enumerate(CATEGORIES)],
        "z",
        0.2,
    )
    o["arbeidserfaring"] = _ordinal(others_exp, "z", -0.3, 0.6)
    o["arbeidserfaring.arbeid"] = _ordinal([workers[1:]] * n, "z", 0.0, 0.6)
    since = cal["tid_siden_arbeid"]
    b["tid_siden_arbeid.vet_ikke"] = _binary(_by_category(groupwise(since, "vet_ikke")))
    o["tid_siden_arbeid"] = _ordinal(
        [[since[GROUP_OF[c]][k] for k in ("under_1", "1_2", "over_2")] for c in CATEGORIES],
        "z",
        0.35,
        0.2,
    )

    # --- health and risk -------------------------------------------------------
    dur = cal["varighet"]
    b["varighet.vet_ikke"] = _binary(per_cat(dur, 3))
    o["varighet"] = _ordinal(
        [dur[c][:3] if c in dur else (0.0, 0.0, 1.0) for c in CATEGORIES], "z", 0.2, 0.35
    )
    b["selvmordsforsok"] = _binary(per_cat(cal["selvmord"], 0), "suicide", 0.75)
    b["fare_selvmord"] = _binary(per_cat(cal["selvmord"], 1), "suicide", 0.8)
    kog = cal["kognitive_vansker"]
    b["kognitive.vet_ikke"] = _binary(_by_category(groupwise(kog, "vet_ikke")))
    yes = {
        g: (kog[g]["kjent"] + kog[g]["mistanke"]) / (1 - kog[g]["vet_ikke"]) for g in (RUS, PSYKISK)
    }
    b["kognitive.ja"] = _binary(_spread(t, yes, 0.4), "sosial_fungering", 0.4, 0.1)
    b["kognitive.kjent"] = _binary(
        _by_category({g: kog[g]["kjent"] / (kog[g]["kjent"] + kog[g]["mistanke"]) for g in yes})
    )
    o["vold"] = _ordinal([cal["vold"][c] for c in CATEGORIES], "violence", 0.7, -0.15)
    o["overdose"] = _ordinal([cal["overdose"].get(c, (1, 0, 0, 0)) for c in CATEGORIES], "rus", 0.6)
    b["injiserer"] = _binary([cal["injiserer"].get(c, 0.0) for c in CATEGORIES], "rus", 0.5, -0.2)
    drugs = cal["rusmidler"]
    # (on z, not on the rusmiddelbruk latent, which decides "none" already)
    drug_coupling = {
        "alkohol": ("z", -0.1, 0.45),
        "cannabis": ("z", 0.1, -0.5),
        "sentralstimulerende": ("z", 0.35, -0.3),
        "kokain": ("z", 0.25, -0.3),
        "heroin": ("z", 0.45, -0.1),
        "andre_opioider": ("z", 0.4, -0.1),
        "legemidler": ("z", 0.3, 0.0),
        "ghb": ("z", 0.25, -0.4),
    }
    rus_only = {RUS: 0.0, PSYKISK: 0.0}
    shares = {
        k: _spread(t, {**rus_only, RUS: p}, drug_coupling.get(k, ("z", 0, 0))[1])
        for k, p in drugs.items()
        if k != "ingen"
    }
    none = _spread(t, {**rus_only, RUS: drugs["ingen"]}, -0.4)
    # Injection is drawn first; those who inject use the injectable substances
    # with the shares of _INJECTED (and always use something), the others with
    # what is left of each category's share.
    inject = [cal["injiserer"].get(c, 0.0) for c in CATEGORIES]
    injectors = {k: [_INJECTED.get(k, v[i]) for i in range(n)] for k, v in shares.items()}
    others_drugs = {
        k: [max((v[i] - inject[i] * injectors[k][i]) / (1 - inject[i]), 0.005) for i in range(n)]
        for k, v in shares.items()
    }
    m["rusmidler.injiserer"] = _multi(injectors, None, drug_coupling)
    m["rusmidler"] = _multi(
        others_drugs,
        [x / (1 - i) for x, i in zip(none, inject, strict=True)],
        drug_coupling,
        empty_coupling=("rus", -0.5, 0.0),
    )

    # --- services ------------------------------------------------------------
    services = cal["tjenester"]
    groups = cal["tjenestegrupper"]
    for code, (p_rus, p_psyk) in services.items():
        loading = _SERVICE_COUPLING.get(code, ("z", 0.15, 0.0))[1]
        t.service_p[code] = _spread(t, {RUS: p_rus, PSYKISK: p_psyk}, loading)
    fixed = cal["psykisk_helsearbeid_rus"]
    for i, c in enumerate(CATEGORIES):
        if c in fixed:
            t.service_p["kommune.psykisk_helsearbeid"][i] = fixed[c]
    for group in ("nav", "kommune", "tsb", "phv", "somatikk"):
        spec = groups[group]
        if set(spec) == set(CATEGORIES):
            any_share = [spec[c] for c in CATEGORIES]
        else:
            any_share = _spread(t, spec, _GROUP_COUPLING[group][1])
        codes = [k for k in services if k.startswith(group + ".") and k not in _SPECIAL_SERVICES]
        own = _GROUP_COUPLING[group][0]
        m["tjenester." + group] = _multi(
            {k: t.service_p[k] for k in codes},
            [1 - a for a in any_share],
            {
                k: _SERVICE_COUPLING[k]
                for k in codes
                if k in _SERVICE_COUPLING
                and _SERVICE_COUPLING[k][0] != own
                and group not in _UNCOUPLED_GROUPS
            },
            empty_coupling=_negated(_GROUP_COUPLING[group]),
        )
    for code in services:
        if code.startswith("andre."):
            driver, loading, age = _SERVICE_COUPLING.get(code, ("z", 0.15, 0.0))
            b["tjenester." + code] = _binary(t.service_p[code], driver, loading, age)

    # --- plans ---------------------------------------------------------------
    plans = cal["planer"]
    plan_coupling = {
        "individuell_plan": ("z", 0.2, 0.0),
        "ansvarsgruppe": ("z", 0.25, 0.0),
        "kriseplan": ("suicide", 0.35, 0.0),
    }
    m["planer"] = _multi(
        {
            k: _spread(t, groupwise(plans, k), plan_coupling.get(k, ("z", 0.1, 0))[1])
            for k in plans[RUS]
            if k != "ingen"
        },
        _spread(t, groupwise(plans, "ingen"), -0.4),
        plan_coupling,
        empty_coupling=("z", -0.4, 0.0),
    )
    b["pakkeforlop"] = _binary([cal["pakkeforlop"]] * n, "z", 0.2, -0.2)


# =============================================================================
# The pool of persons
# =============================================================================


def _members(seed: int, year: int, persons: int) -> list[tuple[float, int, int]]:
    """(key, cohort, index) of the persons of `year`, in a stable random order."""
    if persons == 0:
        return []
    turnover = MODEL["turnover"]
    per_cohort = math.ceil(persons * turnover * 1.03)
    log_stay = math.log(1 - turnover)
    members: list[tuple[float, int, int]] = []
    streams = {}
    for k in range(40):
        cohort = year - k
        rng = random.Random(f"brukerplan-synth:{seed}:cohort:{cohort}")
        streams[cohort] = rng
        for j in range(per_cohort):
            u, key = rng.random(), rng.random()
            stay = 1 + int(math.log(1.0 - u) / log_stay)
            if stay > k:
                members.append((key, cohort, j))
    j = per_cohort
    rng = streams[year]
    while len(members) < persons:
        rng.random()
        members.append((rng.random(), year, j))
        j += 1
    members.sort()
    return members[:persons]


@dataclass
class _Person:
    cohort: int
    index: int
    sex: str  # mann | kvinne
    birth: datetime.date
    individual: int
    youth_category: int | None
    adult_category: int
    z: float
    area_noise: tuple[float, ...]
    combo_noise: float
    traits: tuple[float, ...]
    home: float
    home_fallback: float
    unit: float


_GOLDEN = 0.6180339887498949


def _person(seed: int, cohort: int, index: int, t: _Tables) -> _Person:
    rng = random.Random(f"brukerplan-synth:{seed}:person:{cohort}:{index}")
    youth = rng.random() < t.youth_entry
    rus_youth = CALIBRATION["under_18"]["rus_andel"]
    if youth:
        in_rus = rng.random() < rus_youth
        members = [0, 1, 2] if in_rus else [3, 4, 5]
        youth_category = members[_pick(_cumulative([t.weights[i] for i in members]), rng.random())]
        sex = "mann" if rng.random() < t.male[youth_category] else "kvinne"
        adult_category = _pick(t.cat_given_sex[sex], rng.random())
        entry_age = 16 + (rng.random() < 0.5)
    else:
        youth_category = None
        # Stratified: a golden-ratio sequence over the cohort's persons balances the
        # categories of every cohort (less sampling noise than independent draws).
        u = (index * _GOLDEN + _uniform(seed, "cohort", cohort)) % 1.0
        adult_category = _pick(t.category_cum, u)
        sex = "mann" if rng.random() < t.male[adult_category] else "kvinne"
        band = _pick(t.band_cum[adult_category], rng.random())
        lo, hi = AGE_BANDS[band]
        if hi == 89:
            age = min(70 + int(rng.expovariate(1 / 6)), _OLDEST_TARGET)
        else:
            age = rng.randint(lo, hi)
        # the cross-section has been in the pool a geometric number of years
        offset = int(math.log(1.0 - rng.random()) / math.log(1 - MODEL["turnover"]))
        entry_age = max(18, age - offset)
    birth_year = max(cohort - entry_age, 1900)  # the individual numbers assume 1900-2039
    start = datetime.date(birth_year, 1, 1).toordinal()
    days = datetime.date(birth_year + 1, 1, 1).toordinal() - start
    birth = datetime.date.fromordinal(start + rng.randrange(days))
    low = 0 if birth_year < 2000 else 500
    individual = low + rng.randrange(500)
    if (individual % 2 == 1) != (sex == "mann"):
        individual = low + (individual - low + 1) % 500
    return _Person(
        cohort=cohort,
        index=index,
        sex=sex,
        birth=birth,
        individual=individual,
        youth_category=youth_category,
        adult_category=adult_category,
        z=rng.gauss(0.0, 1.0),
        area_noise=tuple(rng.gauss(0.0, 1.0) for _ in OTHER_AREAS),
        combo_noise=rng.gauss(0.0, 1.0),
        traits=tuple(rng.random() for _ in range(8)),
        home=rng.random(),
        home_fallback=rng.random(),
        unit=rng.random(),
    )


def _fodselsnummer(person: _Person, used: set[str]) -> str:
    """The person's synthetic number; a clash with an earlier person moves to the next."""
    low = 0 if person.birth.year < 2000 else 500
    individual = person.individual
    for _ in range(250):
        number = synthetic_number(person.birth, individual)
        if number is not None and number not in used:
            used.add(number)
            return number
        individual = low + (individual - low + 2) % 500
    raise RuntimeError("no free synthetic fødselsnummer for a birth date")


# =============================================================================
# One person's answers in one year
# =============================================================================


def _answers(person: _Person, year: int, rng: random.Random, t: _Tables):
    age = year - person.birth.year
    youth = age < 18
    if youth and person.youth_category is not None:
        c = person.youth_category
    elif rng.random() < MODEL["category_kept"]:
        c = person.adult_category
    else:
        c = _pick(t.cat_given_sex[person.sex], rng.random())
    category = CATEGORIES[c]
    group = GROUP_OF[category]
    r = MODEL["severity_persistence"]
    z = math.sqrt(r) * person.z + math.sqrt(1 - r) * rng.gauss(0.0, 1.0)
    q = MODEL["area_persistence"]
    rho = t.rho[c]
    a, s = math.sqrt(rho), math.sqrt(1 - rho)
    kept = MODEL["trait_kept"]

    def trait(i: int) -> float:
        return person.traits[i] if rng.random() < kept else rng.random()

    d: dict[str, float] = {"z": z, "age": _age_score(t, group, age)}
    answers: dict[str, object] = {}
    # --- target group and the category pair -----------------------------------
    combo_latent = a * z + s * (
        math.sqrt(q) * person.combo_noise + math.sqrt(1 - q) * rng.gauss(0, 1)
    )
    rus_colour, psyk_colour = t.combos[c][_pick(t.combo_cum[c], _phi(combo_latent))]
    d["rus"] = d["psyk"] = combo_latent
    answers["rusproblem"] = 1 if group == RUS else 0
    answers["psykisk_problem"] = 0 if category == "ikke_rop" else 1
    youth_shift = 0.6 if youth else 0.0
    colours = {}
    for i, area in enumerate(OTHER_AREAS):
        noise = math.sqrt(q) * person.area_noise[i] + math.sqrt(1 - q) * rng.gauss(0, 1)
        latent = a * z + s * noise
        d[area] = latent
        t1, t2 = t.area_thresholds[c][i]
        x = latent - youth_shift
        colours[area] = "gronn" if x < t1 else "gul" if x < t2 else "rod"
    colours["psykisk_helse"] = psyk_colour
    colours["rusmiddelbruk"] = rus_colour
    d["suicide"] = 0.5 * z + 0.866 * rng.gauss(0, 1)
    d["violence"] = 0.5 * z + 0.866 * rng.gauss(0, 1)

    # --- background --------------------------------------------------------------
    b, o, m = t.binaries, t.ordinals, t.multis
    if youth:
        answers["utdanning"] = (
            "grunnskole_ikke_fullfort" if age == 16 or trait(0) < 0.6 else "grunnskole"
        )
    elif trait(4) < _phi(b["utdanning.vet_ikke"].alpha[c]):
        answers["utdanning"] = "vet_ikke"
    else:
        # mostly permanent, a little worse with severity (see o["utdanning"])
        edu = o["utdanning"]
        x = edu.rest * _probit(trait(0)) + edu.loading * z + edu.age * d["age"]
        index = _pick(edu.cumulative[c], _phi(x))
        if age < 21 and index == 3:
            index = 2
        answers["utdanning"] = _EDUCATION[index]
    answers["fodeland"] = ("norge", "europa", "utenfor_europa", "vet_ikke")[
        _pick(o["fodeland"].cumulative[c], person.traits[1])
    ]

    # --- children ------------------------------------------------------------------
    counts = {"omsorg": 0, "samvaer": 0, "ingen_kontakt": 0}
    band = _band(age)
    if youth:
        p_children = 0.005
    else:
        p_children = (
            CALIBRATION["barn_andel"][category] * _CHILD_AGE_FACTOR[band] / t.children_norm[c]
        )
    if trait(2) < min(p_children, 0.95):
        u = trait(3)
        number, running = 1, 0.0
        for k, share in _CHILD_COUNTS:
            running += share
            if u < running:
                number = k
                break
        relation = _RELATIONS[_pick(t.relation_primary[group], rng.random())]
        counts[relation] = number
        if number >= 2:
            for i, other in enumerate(_RELATIONS):
                if other != relation and rng.random() < t.relation_extra[group][i]:
                    moved = 1 if number == 2 or rng.random() < 0.7 else 2
                    counts[relation] -= moved
                    counts[other] += moved
                    break
    answers["barn_omsorg"] = counts["omsorg"]
    answers["barn_samvaer"] = counts["samvaer"]
    answers["barn_ingen_kontakt"] = counts["ingen_kontakt"]
    if person.sex == "kvinne":
        fertile = 18 <= age <= 44
        p = 0.0
        if fertile:
            p = 0.021 if group == PSYKISK else 0.012
        elif youth:
            p = 0.003
        answers["gravid"] = 1 if rng.random() < p else 0

    # --- living arrangements -------------------------------------------------------
    if youth:
        if rng.random() < 0.03:
            bor = ["alene"]
        else:
            bor = ["foreldre"] if rng.random() < 0.93 else ["venner"]
            if rng.random() < 0.03:
                bor.append("partner")
    elif counts["omsorg"] > 0:
        bor = ["barn_under_18"]
        if rng.random() < CALIBRATION["partner_gitt_omsorg"]:
            bor.append("partner")
        if age >= 40 and rng.random() < 0.1:
            bor.append("voksne_barn")
    elif b["bor_med.vet_ikke"].draw(rng, c, d):
        bor = ["vet_ikke"]
    elif b["bor_med.alene"].draw(rng, c, d):
        bor = ["alene"]
    else:
        bor = m["bor_med"].draw(rng, c, d) or []
    answers["bor_med"] = bor
    shares = CALIBRATION["andres_barn"]
    if rng.random() < shares[group] * (1.5 if "partner" in bor else 0.9):
        other = []
        if "partner" in bor and rng.random() < 0.5:
            other.append("bor_med_andres_barn")
        if rng.random() < 0.55:
            other.append("kontakt_andres_barn")
        if age < 25 and "foreldre" in bor and rng.random() < 0.6:
            other.append("bor_med_mindrearige_sosken")
        if not other:
            other.append("kontakt_andres_barn")
        answers["andres_barn"] = other
        answers["andres_barn_antall"] = 1 + min(int(rng.expovariate(1 / 0.6)), 8)
    else:
        answers["andres_barn"] = ["ingen"] if rng.random() < 0.97 else []

    # --- living conditions ---------------------------------------------------------
    answers.update(colours)

    # --- activity and income ---------------------------------------------------------
    if youth:
        school = CALIBRATION["under_18"]["skole"][group]
        if group == RUS and rng.random() < CALIBRATION["under_18"]["ingen"]:
            activities = None
        else:
            activities = ["utdanning"] if rng.random() < school / 0.95 else []
            for code, p in (("egen_regi", 0.5), ("kommunal", 0.15), ("arbeid", 0.05)):
                if rng.random() < p:
                    activities.append(code)
            if not activities:
                activities.append("egen_regi")
    else:
        activities = m["aktiviteter"].draw(rng, c, d)
    answers["aktiviteter"] = ["ingen"] if activities is None else activities
    works = False
    if activities and "arbeid" in activities and not youth:
        works = b["livsopphold.arbeid"].draw(rng, c, d)
    if youth:
        income = ["andre"] if rng.random() < 0.85 else ["nav"]
    elif works:
        # ordinary work, maybe with benefits besides; never "vet ikke"
        income = ["arbeid"]
        income += [k for k in _WORKER_INCOME if b["livsopphold.arbeid." + k].draw(rng, c, d)]
    else:
        drawn = m["livsopphold"].draw(rng, c, d)
        income = ["vet_ikke"] if drawn is None else drawn
    answers["livsopphold"] = income
    if "arbeid" in income:
        answers["stillingsprosent"] = ("under_50", "50_74", "75_100")[
            o["stillingsprosent"].draw(rng, c, d)
        ]
    if youth:
        experience = "ingen" if rng.random() < 0.8 else "under_1"
    elif works:
        experience = ("under_1", "1_5", "over_5")[o["arbeidserfaring.arbeid"].draw(rng, c, d)]
    elif b["arbeidserfaring.vet_ikke"].draw(rng, c, d):
        experience = "vet_ikke"
    else:
        experience = ("ingen", "under_1", "1_5", "over_5")[o["arbeidserfaring"].draw(rng, c, d)]
    answers["arbeidserfaring"] = experience
    if experience != "ingen":
        if works:
            since = "i_arbeid"
        elif experience == "vet_ikke" and rng.random() < 0.8:
            since = "vet_ikke"
        elif b["tid_siden_arbeid.vet_ikke"].draw(rng, c, d):
            since = "vet_ikke"
        else:
            since = ("under_1", "1_2", "over_2")[o["tid_siden_arbeid"].draw(rng, c, d)]
            if youth and since == "over_2":
                since = "under_1"
        answers["tid_siden_arbeid"] = since

    # --- health and risk -------------------------------------------------------------
    if answers["psykisk_problem"] == 1:
        if b["varighet.vet_ikke"].draw(rng, c, d):
            answers["varighet_psykisk"] = "vet_ikke"
        else:
            answers["varighet_psykisk"] = ("under_1", "1_3", "over_3")[
                o["varighet"].draw(rng, c, d)
            ]
            if youth and answers["varighet_psykisk"] == "over_3" and rng.random() < 0.5:
                answers["varighet_psykisk"] = "1_3"
    answers["selvmordsforsok"] = int(b["selvmordsforsok"].draw(rng, c, d))
    answers["fare_selvmord"] = int(b["fare_selvmord"].draw(rng, c, d))
    if b["kognitive.vet_ikke"].draw(rng, c, d):
        answers["kognitive_vansker"] = "vet_ikke"
    elif b["kognitive.ja"].draw(rng, c, d):
        answers["kognitive_vansker"] = (
            "kjent" if b["kognitive.kjent"].draw(rng, c, d) else "mistanke"
        )
    else:
        answers["kognitive_vansker"] = "nei"
    violence = o["vold"].draw(rng, c, d)  # ingen, kun utsatt, kun utøver, begge
    answers["utsatt_vold"] = 1 if violence in (1, 3) else 0
    answers["utover_vold"] = 1 if violence in (2, 3) else 0
    if group == RUS:
        injects = b["injiserer"].draw(rng, c, d)
        if youth:
            injects = injects and rng.random() < 0.2
        if injects:
            drugs = m["rusmidler.injiserer"].draw(rng, c, d) or []
            if not _INJECTED.keys() & set(drugs):
                drugs.append("sentralstimulerende" if rng.random() < 0.6 else "heroin")
        else:
            drugs = m["rusmidler"].draw(rng, c, d) or []
        answers["rusmidler"] = drugs
        answers["injiserer"] = int(injects)
        overdose = o["overdose"].draw(rng, c, d)  # ingen, kun fare, kun overdose, begge
        answers["overdose"] = 1 if overdose in (2, 3) else 0
        answers["fare_overdose"] = 1 if overdose in (1, 3) else 0

    # --- services ----------------------------------------------------------------------
    received: list[str] = []
    for group_key in ("nav", "kommune", "tsb", "phv", "somatikk"):
        received.extend(m["tjenester." + group_key].draw(rng, c, d) or ())
    for code in _OTHER_SERVICES:
        if b["tjenester." + code].draw(rng, c, d):
            received.append(code)
    parent = counts["omsorg"] + counts["samvaer"] > 0
    if youth:
        p_child_welfare = 0.35
    elif parent:
        p_child_welfare = (0.6 if group == RUS else 0.22) * (0.8 + 0.4 * _phi(z))
    elif age <= 23:
        p_child_welfare = 0.08
    else:
        p_child_welfare = 0.004
    if rng.random() < p_child_welfare:
        received.append("kommune.barnevern")
    p_pregnancy = 0.0005
    if answers.get("gravid") == 1:
        p_pregnancy = 0.8
    elif person.sex == "kvinne" and 18 <= age <= 44:
        p_pregnancy = 0.04 if group == RUS else 0.012
    if rng.random() < p_pregnancy:
        received.append("kommune.svangerskap")
    if youth:
        received = _youth_services(received, rng)
    answers["tjenester"] = received

    # --- plans -----------------------------------------------------------------------------
    plans = m["planer"].draw(rng, c, d)
    answers["planer"] = ["ingen"] if plans is None else plans
    answers["pakkeforlop"] = int(b["pakkeforlop"].draw(rng, c, d))

    # --- needs next 12 months ---------------------------------------------------------------
    answers["behov"] = _needs(received, rng, c, t, colours)
    return answers


_EDUCATION = ("grunnskole_ikke_fullfort", "grunnskole", "videregaende", "hoyere")


def _band(age: int) -> int:
    for i, (lo, hi) in enumerate(AGE_BANDS):
        if age <= hi or i == len(AGE_BANDS) - 1:
            return i if age >= lo else 0
    return len(AGE_BANDS) - 1


_NOT_FOR_YOUTH = frozenset(
    {
        "nav.varig_trygd",
        "nav.varig_tilrettelagt_arbeid",
        "nav.kvalifiseringsprogram",
        "nav.okonomiforvaltning",
        "kommune.sykehjem",
        "kommune.omsorgsinstitusjon",
        "tsb.lar",
        "andre.verge",
    }
)
_YOUTH_EXTRA = (
    ("kommune.skolehelse", 0.45),
    ("kommune.helsestasjon_ungdom", 0.2),
    ("andre.ppt_ot", 0.15),
    ("kommune.psykolog", 0.12),
)


def _youth_services(received: list[str], rng: random.Random) -> list[str]:
    out = [x for x in received if x not in _NOT_FOR_YOUTH]
    for code, p in _YOUTH_EXTRA:
        if code not in out and rng.random() < p:
            out.append(code)
    return out


# Needs next 12 months: a received service is still needed with these chances
# (acute and coercive care are rarely planned), and a service not received is
# newly needed with a share of its usual probability, more so where an area is red.
_NEED_KEEP_DEFAULT = 0.85
_NEED_NEW = 0.12
_NEED_KEEP_LOW = ("akutt", "tvang", "observasjon", "dogn")
_NEED_RED_AREA = {
    "bosituasjon": ("nav.midlertidig_bolig", "kommune.bolig_med_personale"),
    "meningsfull_aktivitet": ("kommune.arbeid_aktivitet", "nav.arbeidsrettet_tiltak"),
    "okonomi": ("nav.okonomiforvaltning",),
    "sosial_fungering": ("kommune.praktisk_bistand", "kommune.koordinator"),
    "nettverk": ("kommune.stottekontakt",),
}


@functools.cache
def _need_table(c: int) -> tuple[tuple[str, float, float], ...]:
    """(service, chance still needed if received, chance newly needed) for category c."""
    t = _tables()
    return tuple(
        (
            code,
            0.45 if any(x in code for x in _NEED_KEEP_LOW) else _NEED_KEEP_DEFAULT,
            _NEED_NEW * t.service_p[code][c],
        )
        for code in CALIBRATION["tjenester"]
    )


def _needs(received, rng, c, t: _Tables, colours) -> list[str]:
    have = set(received)
    wanted = set()
    rnd = rng.random
    for code, keep, new in _need_table(c):
        if rnd() < (keep if code in have else new):
            wanted.add(code)
    for area, codes in _NEED_RED_AREA.items():
        if colours[area] == "rod":
            for code in codes:
                if code not in wanted and rng.random() < 0.25:
                    wanted.add(code)
    return sorted(wanted)


# =============================================================================
# Where and when: municipalities, units, mapping periods
# =============================================================================


def _short(name: str) -> str:
    """'Trondheim - Tråante' -> 'Trondheim', 'Herøy (Nordland)' -> 'Herøy'."""
    return name.split(" - ")[0].split(" (")[0]


@dataclass(frozen=True)
class _Place:
    municipality: str
    county: str
    unit: tuple[str, str]


class _World:
    """The municipalities, units and mapping periods of one call."""

    def __init__(self, seed: int, year: int, codes: list[str] | None):
        from brukerplan.organisations.reference import load_municipalities, municipalities_in

        self.seed, self.year = seed, year
        self._sizes: dict[str, float] = {}
        valid = municipalities_in(year)
        self.by_name = {m.name: m for m in valid.values()}
        self.name_of = {m.code: m.name for m in valid.values()}
        if codes is not None:
            unknown = [code for code in codes if code not in valid]
            if unknown:
                raise ValueError(f"municipalities not valid in {year}: {', '.join(unknown)}")
            if not codes:
                raise ValueError("municipalities must not be empty")
            names = sorted({valid[code].name for code in codes})
            self.universal = names
            self.fallback = names
        else:
            every = sorted({m.name for m in load_municipalities()})
            chosen = [name for name in every if self._participates(name)]
            self.universal = chosen
            self.fallback = [name for name in chosen if name in self.by_name]
            if not self.fallback:
                self.fallback = sorted(self.by_name)
        self.universal_cum = _cumulative([self.size(name) for name in self.universal])
        self.fallback_cum = _cumulative([self.size(name) for name in self.fallback])
        self.allowed = set(self.fallback)
        self.county_members: dict[str, list[str]] = {}
        for name in self.fallback:
            self.county_members.setdefault(self.by_name[name].county_code, []).append(name)
        self._units: dict[str, list[tuple[str, str, float, float]]] = {}
        self._periods: dict[str, int] = {}

    def size(self, name: str) -> float:
        if name in self._sizes:
            return self._sizes[name]
        key = _short(name)
        big = MODEL["big_municipalities"]
        if key in big:
            population = float(big[key])
        else:
            u = min(max(_uniform(self.seed, "size", name), 1e-9), 1 - 1e-9)
            population = MODEL["small_size_median"] * math.exp(
                MODEL["small_size_sigma"] * _probit(u)
            )
            population = min(population, 30.0)
        self._sizes[name] = population ** MODEL["size_exponent"]
        return self._sizes[name]

    def _participates(self, name: str) -> bool:
        key = _short(name)
        if key in MODEL["big_municipalities"]:
            return True
        return _uniform(self.seed, "participates", name) < MODEL["participation"]

    def units(self, name: str) -> list[tuple[str, str, float, float]]:
        if name not in self._units:
            size = self.size(name)
            rng = random.Random(f"brukerplan-synth:{self.seed}:units:{name}")
            big = min(size / 40.0, 1.0)
            units = []
            if size > 15 and rng.random() < 0.7:
                units += [CORE_RUS, CORE_PSYKISK]
            else:
                units.append(CORE_JOINT)
            short = _short(name)
            for unit, kind, w_rus, w_psyk, p_small, p_big in UNIT_CATALOGUE:
                if rng.random() < p_small + (p_big - p_small) * big:
                    label = f"NAV {short}" if unit == "NAV" else unit
                    units.append((label, kind, w_rus, w_psyk))
            if len(units) < 2:
                units.append(("Hjemmetjenesten", "helse_omsorg", 0.3, 0.8))
            self._units[name] = units
        return self._units[name]

    def period_start(self, county: str) -> int:
        if county not in self._periods:
            month, day = MODEL["period_first_start"]
            first = datetime.date(self.year, month, day).toordinal()
            spread = MODEL["period_start_spread_days"]
            offset = int(_uniform(self.seed, "period", county, self.year) * spread)
            self._periods[county] = first + offset
        return self._periods[county]

    def date(self, county: str, rng: random.Random) -> datetime.date:
        start = self.period_start(county)
        for _ in range(20):
            day = datetime.date.fromordinal(start + rng.randrange(MODEL["period_days"]))
            if day.weekday() < 5:
                return day
        return datetime.date.fromordinal(start)

    def pick_unit(self, name: str, group: str, u: float, exclude: str | None = None, youth=False):
        units = [x for x in self.units(name) if x[0] != exclude]
        column = 2 if group == RUS else 3
        weights = [x[column] * (4 if youth and x[1] == "barnevern" else 1) for x in units]
        chosen = units[_pick(_cumulative(weights), u)]
        return chosen[0], chosen[1]

    def place(self, person: _Person, rng: random.Random, answers: dict) -> _Place:
        name = self.universal[_pick(self.universal_cum, person.home)]
        if name not in self.allowed:
            name = self.fallback[_pick(self.fallback_cum, person.home_fallback)]
        group = RUS if answers["rusproblem"] == 1 else PSYKISK
        youth = self.year - person.birth.year < 18
        unit = self.pick_unit(name, group, person.unit, youth=youth)
        municipality = self.by_name[name]
        return _Place(municipality.code, municipality.county_code, unit)


def _registrations(place: _Place, answers: dict, rng: random.Random, world: _World):
    """The person's registration, and a duplicate now and then."""
    group = RUS if answers["rusproblem"] == 1 else PSYKISK
    yield place.municipality, place.unit, world.date(place.county, rng), answers
    u = rng.random()
    same = MODEL["duplicate_same_municipality"]
    other = MODEL["duplicate_other_municipality"]
    if u >= same + other:
        return
    name = world.name_of[place.municipality]
    target = name
    exclude = place.unit[0]
    if u >= same:
        neighbours = [n for n in world.county_members.get(place.county, []) if n != name]
        if neighbours:
            cum = _cumulative([world.size(n) for n in neighbours])
            target = neighbours[_pick(cum, rng.random())]
            exclude = None
    unit = world.pick_unit(target, group, rng.random(), exclude=exclude)
    copy = dict(answers)
    # another mapper judges one or two of the areas that do not set the category
    # a step differently
    for area in rng.sample(OTHER_AREAS, 2):
        if rng.random() < 0.5:
            step = COLOURS.index(copy[area]) + (1 if rng.random() < 0.5 else -1)
            copy[area] = COLOURS[min(max(step, 0), 2)]
    yield world.by_name[target].code, unit, world.date(place.county, rng), copy
