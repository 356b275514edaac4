"""The box's services on the host, for the update tests: ``update_services.py ROOT DATA
stop|restart``. ``restart`` stops the engine it started before, if any, and starts
``ROOT/current``'s engine on DATA as a process of its own (its pid in ``ROOT/../engine.pid``,
its output in ``ROOT/../engine-<n>.out``); ``stop`` ends it (SIGTERM, then SIGKILL)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def stop(pid_file: Path) -> None:
    try:
        pid = int(pid_file.read_text())
    except (FileNotFoundError, ValueError):
        return
    if alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
            while alive(pid):
                time.sleep(0.05)
    pid_file.unlink(missing_ok=True)


def main() -> int:
    root, data, action = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    pid_file = root.parent / "engine.pid"
    stop(pid_file)
    if action == "restart":
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        number = len(list(root.parent.glob("engine-*.out")))
        with (root.parent / f"engine-{number}.out").open("w") as out:
            engine = subprocess.Popen(
                [str(root / "current" / "venv" / "bin" / "python"), "-I", "-m", "firmware",
                 "engine", "--data", str(data)],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                start_new_session=True,
            )
        pid_file.write_text(str(engine.pid))
    return 0


if __name__ == "__main__":
    sys.exit(main())
