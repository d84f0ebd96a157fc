"""`loadlint check --runtime meta|full`: confirm the static verdicts by building and loading the models.

The lint path never imports torch or transformers, and neither does this package: `options` says
what was asked (and is all the CLI and the engine import up front), `controller.confirm` plans one
job per model and judges the results, `pool` runs the jobs in worker processes under a time limit,
and `worker`, a process of its own, is the only module that imports torch and transformers.
"""

from loadlint.runtime.options import DEVICES, MODES, RuntimeOptions, RuntimeUnavailable, require_runtime

__all__ = ["DEVICES", "MODES", "RuntimeOptions", "RuntimeUnavailable", "require_runtime"]
