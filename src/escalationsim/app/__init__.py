"""The app layer: the ``escalationsim`` command (:mod:`.cli`), its progress bar
(:mod:`.progress`), Hydra callbacks and the sweeper's logic (:mod:`.callbacks`,
:mod:`.sweeps`), the report (:mod:`.report`), files written atomically (:mod:`.files`,
:mod:`.output`), tables (:mod:`.tables`) and plots (:mod:`.plots`)."""
