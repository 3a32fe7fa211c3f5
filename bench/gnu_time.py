"""GNU time's -v report, read by the benches (run them with /usr/bin/time -v ... 2> FILE)."""


def parse_time_v(path):
    """Peak RSS (kB), wall seconds, user and sys seconds, exit status from GNU time's -v report."""
    out = {}
    for line in open(path):
        key, _, value = line.strip().rpartition(": ")
        if key == "Maximum resident set size (kbytes)":
            out["max_rss_kb"] = int(value)
        elif key == "User time (seconds)":
            out["user_s"] = float(value)
        elif key == "System time (seconds)":
            out["sys_s"] = float(value)
        elif key.startswith("Elapsed (wall clock) time"):
            seconds = 0.0
            for part in value.split(":"):
                seconds = seconds * 60 + float(part)
            out["wall_s"] = seconds
        elif key == "Exit status":
            out["exit_status"] = int(value)
        elif key == "Voluntary context switches":
            out["voluntary_cs"] = int(value)
        elif key == "Involuntary context switches":
            out["involuntary_cs"] = int(value)
    return out
