"""Run a sweep of a JSON experiment (a child process the tests can kill): ARGS JSON OUT WORKERS [RUN_FN]."""

import json
import sys

from trustsim.sweep import run_sweep

if __name__ == "__main__":
    experiment, out, workers = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    run_fn = sys.argv[4] if len(sys.argv) > 4 else "trustsim.runner:run_one"
    try:
        result = run_sweep(experiment, out, workers=workers, run_fn=run_fn)
    except KeyboardInterrupt:
        sys.exit(130)
    print(json.dumps({"executed": result.executed, "resumed": result.resumed}))
