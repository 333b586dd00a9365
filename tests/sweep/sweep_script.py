"""Run a sweep of a JSON experiment with the fake model (a child process the tests can kill)."""

import json
import sys

from trustsim.sweep import run_sweep

if __name__ == "__main__":
    experiment, out, workers = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    try:
        result = run_sweep(experiment, out, workers=workers, run_fn="fakes:fake_run_one")
    except KeyboardInterrupt:
        sys.exit(130)
    print(json.dumps({"executed": result.executed, "resumed": result.resumed}))
