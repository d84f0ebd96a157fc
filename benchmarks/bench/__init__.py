"""The pieces of `bench_check.py`: the models the inputs load (`models`), the generated inputs
(`inputs`), running and timing commands (`timing`), the cases (`cases`), the in-process gate count
(`gates`) and the report (`report`).  Stdlib only; `models` and `gates` import loadlint."""
