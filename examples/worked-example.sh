#!/bin/sh
# A worked example through the ithaca command line: one patient's regimen converted,
# the first intrathecal program checked, a refill planned and a residual reconciled.
# Run by `make run`. Every number printed comes with its formula and its source.
set -e

say() { printf '\n\033[1m== %s\033[0m\n$ %s\n\n' "$1" "$2"; }

say "1. Systemic opioids now: oxycodone 80 mg/day by mouth and a 25 mcg/h fentanyl patch" \
    "ithaca calc ome --med oxycodone:oral:80mg/day --med fentanyl:transdermal:25mcg/h"
ithaca calc ome --med oxycodone:oral:80mg/day --med fentanyl:transdermal:25mcg/h

say "2. Intrathecal morphine starting dose at the Huntsman ratio (about 100:1), no reduction" \
    "ithaca calc intrathecal --ome 180 --drug morphine --ratio huntsman-100"
ithaca calc intrathecal --ome 180 --drug morphine --ratio huntsman-100

say "3. Check the first program: SynchroMed II 40 mL, morphine 10 mg/mL at 1.8 mg/day" \
    "ithaca check program --pump synchromed-ii-40 --drug morphine:10mg/mL --daily-dose 1.8mg"
ithaca check program --pump synchromed-ii-40 --drug morphine:10mg/mL --daily-dose 1.8mg

say "4. A ten-fold slip is caught: 18 mg/day typed where 1.8 was meant" \
    "ithaca check program --pump synchromed-ii-40 --drug morphine:10mg/mL --daily-dose 18mg --current-daily-dose 1.8mg"
ithaca check program --pump synchromed-ii-40 --drug morphine:10mg/mL --daily-dose 18mg --current-daily-dose 1.8mg

say "5. Plan the refill: 40 mL filled on 2026-01-05, low-reservoir alarm programmed at 2 mL" \
    "ithaca calc refill --pump synchromed-ii-40 --drug morphine:10mg/mL --daily-dose 1.8mg --fill-volume 40mL --filled-on 2026-01-05 --low-alarm 2mL"
ithaca calc refill --pump synchromed-ii-40 --drug morphine:10mg/mL --daily-dose 1.8mg \
    --fill-volume 40mL --filled-on 2026-01-05 --low-alarm 2mL

say "6. At the next refill (2026-03-30) the nurse withdraws 18.5 mL: reconcile it" \
    "ithaca calc residual --pump synchromed-ii-40 --drug morphine:10mg/mL --daily-dose 1.8mg --fill-volume 40mL --filled-on 2026-01-05 --on 2026-03-30 --bolus-scenario none --measured 18.5mL"
ithaca calc residual --pump synchromed-ii-40 --drug morphine:10mg/mL --daily-dose 1.8mg \
    --fill-volume 40mL --filled-on 2026-01-05 --on 2026-03-30 --bolus-scenario none --measured 18.5mL

say "7. A ziconotide jump the label forbids is blocked (exit status 1)" \
    "ithaca check program --pump synchromed-ii-20 --drug ziconotide:25mcg/mL --daily-dose 30mcg --current-daily-dose 2.4mcg"
ithaca check program --pump synchromed-ii-20 --drug ziconotide:25mcg/mL --daily-dose 30mcg \
    --current-daily-dose 2.4mcg || echo "(exit status $?: blocked, as it should be)"

printf '\nThe library in force, its version, hash and sources: ithaca library show\n'
