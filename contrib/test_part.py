#!/usr/bin/python3
"""Runs one part of `make test` and, when it fails, ends with what a reader of the log's tail needs.

    test_part.py NAME -- swift test --skip-build ...

The command's output passes through unchanged and is kept in .build/test-logs/NAME.log. When the command fails, the
last lines printed say which tests had started and not finished (the ones running when a test process crashed or
hung), which tests failed and what their expectations said, and the crashed thread's backtrace: a CI log is often read from its end, and a crash's
register and image dumps would otherwise be all that shows.
"""

import os
import re
import subprocess
import sys

# Swift Testing's lines: "◇ Test name() started.", "✔ Test name() passed after …", "✔ Test name(x:) with 2 test cases
# passed after …", "✘ Test name() recorded an issue at …". A parameterised test's cases print only their start, and
# the whole run is "Test run".
STARTED = re.compile(r"^◇ Test (?!case passing |run started)(.+?) started\.$")
ENDED = re.compile(r"^[✔✘] Test (.+?)(?: with \d+ test cases?)? (?:passed|failed|skipped)")
FAILED = re.compile(r"^✘ Test (?!run with )(.+?)(?: with \d+ test cases?)? (?:recorded an issue|failed)")


def main() -> int:
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        print(__doc__.strip(), file=sys.stderr)
        return 2
    name, command = sys.argv[1], sys.argv[3:]
    os.makedirs(".build/test-logs", exist_ok=True)
    path = f".build/test-logs/{name}.log"
    running: dict[str, None] = {}
    failed: dict[str, None] = {}
    issues: list[str] = []
    in_issue = False
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
            # What each failed expectation said: its line and the "↳" lines under it.
            if " recorded an issue at " in line and line.startswith("✘"):
                in_issue = True
                if len(issues) < 60:
                    issues.append(line[:400])
            elif in_issue and line.startswith("↳"):
                if len(issues) < 60:
                    issues.append("  " + line[:400])
            else:
                in_issue = False
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
        sections = [
            ("Started and not finished (running when the process crashed or hung):", list(running)),
            ("Failed:", list(failed)),
            ("What they said:", issues),
            ("The crash:", crash),
        ]
        for title, lines in sections:
            if lines:
                print(title)
                for line in lines:
                    print(f"  {line}")
    return 0 if status == 0 else max(status, 1)


if __name__ == "__main__":
    sys.exit(main())
