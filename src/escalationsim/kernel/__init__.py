"""The kernel: the only place for speed tricks and SimPy internals.

Light processes (:mod:`.process`), staff pools without resource events
(:mod:`.staff_pool`), the CEO's desk (:mod:`.ceo_desk`), named random streams and private
random rows (:mod:`.rng`, :mod:`.draws`), packed complaint rows (:mod:`.rows`) of records
whose rarely-written fields cost nothing until written (:mod:`.sparse`), timeouts
scheduled inline (:mod:`.timeout`), outcome codes (:mod:`.codes`) and garbage-collector
settings (:mod:`.collect`). It imports nothing else of the project's; the domain layers
above it use it through these modules.
"""
