"""Calibration: a company's own contact log in, fitted parameters out.

The contact log's schema, its reading (a column mapping for any export) and its
data-quality report (:mod:`.log`); the arrival fits, rates by channel, day of week and
hour with a test of Poisson against over-dispersion and a day-level busyness factor
(:mod:`.arrivals`); handle times, the distribution AIC prefers (:mod:`.handling`); the
table every fit is written to, ``fits.csv`` (:mod:`.fits`).
docs/data.md documents the schema.
"""
