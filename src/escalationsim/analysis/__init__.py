"""The analysis layer: what a run's records mean. Derived complaint columns
(:mod:`.complaints`), churn (:mod:`.churn`), costs (:mod:`.costs`), the sums and
distributions behind the KPIs (:mod:`.stats`), the KPI registry (:mod:`.kpis`) and a
run's KPI row and daily series (:mod:`.metrics`), fairness measures (:mod:`.fairness`),
summaries across replications (:mod:`.aggregate`) and queueing formulas
(:mod:`.analytic`)."""
