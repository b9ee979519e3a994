"""Calibration: a company's own contact log in, a fitted scenario out.

The contact log's schema, its reading (a column mapping for any export) and its
data-quality report (:mod:`.log`); the arrival fits, rates by channel, day of week and
hour with a test of Poisson against over-dispersion and a day-level busyness factor, and
the complaints' volume and profiles (:mod:`.arrivals`); handle times, the distribution
AIC prefers (:mod:`.handling`); patience from censored waits (:mod:`.patience`); journey
shares (:mod:`.journeys`); the table every fit is written to, ``fits.csv``
(:mod:`.fits`); the scenario and uncertainty files made from the fits
(:mod:`.calibrate`); and a run's own contacts in the schema (:mod:`.export`).
docs/data.md documents it all.
"""
