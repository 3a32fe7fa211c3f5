#!/usr/bin/python3
"""Runs one part of `make test` and, when it fails, ends with what a reader of the log's tail needs.

    test_part.py NAME -- swift test --skip-build ...

The command's output passes through unchanged and is kept in .build/test-logs/NAME.log. When the command fails, the
last lines printed say which tests had started and not finished (the ones running when a test process crashed or
hung), which tests failed, and the crashed thread's backtrace: a CI log is often read from its end, and a crash's
register and image dumps would otherwise be all that shows.
"""

import os
import re
import subprocess
import sys

STARTED = re.compile(r"^◇ Test (.+?) started\.$")
ENDED = re.compile(r"^[✔✘↳] Test (.+?) (passed|failed|skipped)")
FAILED = re.compile(r"^✘ Test (.+?) (recorded an issue|failed)")


def main() -> int:
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        print(__doc__.strip(), file=sys.stderr)
        return 2
    name, command = sys.argv[1], sys.argv[3:]
    os.makedirs(".build/test-logs", exist_ok=True)
    path = f".build/test-logs/{name}.log"
    running: dict[str, None] = {}
    failed: dict[str, None] = {}
    crash: list[str] = []
    in_crash = False
    with open(path, "w", encoding="utf-8", errors="replace") as log:
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert child.stdout is not None
        for raw in child.stdout:
            sys.stdout.buffer.write(raw)
            sys.stdout.buffer.flush()
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            log.write(line + "\n")
            if match := STARTED.match(line):
                running[match.group(1)] = None
            elif match := ENDED.match(line):
                running.pop(match.group(1), None)
            if match := FAILED.match(line):
                failed[match.group(1)] = None
            # The backtracer's report: from "💣 Program crashed" to the first register dump.
            if "Program crashed" in line:
                in_crash = True
            if in_crash:
                if line.startswith("Registers") or re.match(r"^r[a-z0-9]+ 0x", line):
                    in_crash = False
                elif len(crash) < 80:
                    crash.append(line)
        status = child.wait()
    if status != 0:
        print(f"\n==== {name}: exit status {status}; the whole output is in {path}")
        if running:
            print("Started and not finished (running when the process crashed or hung):")
            for test in running:
                print(f"  {test}")
        if failed:
            print("Failed:")
            for test in failed:
                print(f"  {test}")
        if crash:
            print("The crash:")
            for line in crash:
                print(f"  {line}")
    return 0 if status == 0 else max(status, 1)


if __name__ == "__main__":
    sys.exit(main())
