#!/usr/bin/env python3
"""Batch throughput of `ringback reprocess` against a shell baseline and the wire limit, in one run.

What it measures
  N voicemails (default 2000), 8 kHz mono, 5-60 s each (seeded, reproducible), a mix of 16-bit PCM WAV (`.wav`),
  WAV49 (GSM 6.10 in WAV, `.WAV` as Asterisk names it) and u-law WAV (`.wav`), each with an Asterisk sidecar
  msgNNNN.txt carrying a unique msg_id (Ringback's identity for the voicemail). One base recording per
  (format, whole second) is made with sox and copied, so generation takes seconds.

  Every run sends to the same two loopback servers, each in its own process (so neither shares a GIL with the other
  or with this script):
    - an OpenAI-compatible POST /v1/audio/transcriptions stand-in (ThreadingHTTPServer): drains the upload without
      keeping it and answers {"text": ...} at once;
    - an SMTP sink (Debian's python3-aiosmtpd, plain SMTP, no TLS, no AUTH) that counts messages, bytes and distinct
      Message-IDs.
  Their own CPU time per run is reported too, so a saturated sink shows up (aiosmtpd reads DATA line by line).

  Runs, each with the same concurrency C (default 2 x cores):
    ringback   `/usr/bin/time -v ringback reprocess --config CFG --concurrency C --json SPOOL`, intake plain over
               the spool, engine openai at the stand-in, transport smtp (starttls: none), a fresh ledger per run;
               `mail.attach_audio: mp3` (the default) and, with --attach, more (default also `wav`).
               Progress lines (stderr) are timestamped to show the rate over the run, and the process's RSS is
               sampled from /proc every 0.2 s to show growth.
    baseline   the usual shell script, per file, under `/usr/bin/time -v xargs -P C`: `sox IN -e signed-integer
               -b 16 OUT.wav`, `curl -s -F file=@OUT.wav -F model=whisper-1 URL`, a multipart/mixed message built
               with printf and `base64 -w 76` (text + the WAV attached), `curl -s --crlf --url smtp://... --mail-from
               ... --mail-rcpt ... --upload-file MSG.eml`.
    wire       the same uploads (the PCM WAVs, converted beforehand) and the same messages (rendered beforehand)
               sent by curl alone: one curl process per voicemail, `curl UPLOAD --next SMTP`, `xargs -P C`.
    --isolate  extra ringback runs to find the dominant phase: attach_audio none; engine none + attach none.

  Reported per run: wall time, voicemails/s, CPU ms per voicemail ((user+sys)/N of the measured process and its
  children), peak RSS (time -v's "Maximum resident set size": for xargs, the largest single child), messages and
  distinct Message-IDs at the sink, and the stand-ins' CPU. Then the ratios ringback/baseline and ringback/wire
  beside the targets (>= 30x baseline throughput, >= 0.8 of the wire, peak RSS <= 50 MB for 2000 files).

Usage: /usr/bin/python3 bench/throughput.py [--binary .build/release/ringback] [--count 2000] [--concurrency 4]
           [--attach mp3,wav] [--isolate] [--skip-baseline] [--skip-wire] [--seed 1] [--json]
           [--json-file OUT.json] [--keep]
Needs sox, curl, base64, xargs, /usr/bin/time (package `time`), python3-aiosmtpd. Other load on the machine
(a compiler, say) shows up in every number: the load average at the start and end of each run is printed.
"""
import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from gnu_time import parse_time_v

RATE = 8000
FORMATS = ("pcm", "wav49", "ulaw")
TRANSCRIPT = "Hi, this is a bench caller, please call me back about the invoice."
TARGETS = {"throughput_vs_baseline": 30.0, "throughput_vs_wire": 0.8, "peak_rss_mb": 50.0}
HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------------------------------------------------------
# Servers: each runs as `throughput.py --serve http|smtp` in its own process. It prints "PORT n" once listening, then
# answers one JSON line per command read from stdin: "stats", "reset" (returns the stats before resetting), "quit".


def read_body(rfile, headers):
    """Drains a request body (Content-Length or chunked) without keeping it; returns its size."""
    total = 0
    if headers.get("Transfer-Encoding", "").lower() == "chunked":
        while True:
            size = int(rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return total
            remaining = size
            while remaining:
                chunk = rfile.read(min(remaining, 1 << 16))
                if not chunk:
                    return total
                total += len(chunk)
                remaining -= len(chunk)
            rfile.readline()
    remaining = int(headers.get("Content-Length", "0"))
    while remaining:
        chunk = rfile.read(min(remaining, 1 << 16))
        if not chunk:
            break
        total += len(chunk)
        remaining -= len(chunk)
    return total


def serve_http():
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    lock = threading.Lock()
    stats = {"requests": 0, "bytes": 0, "errors": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body are two writes: without TCP_NODELAY the body waits for the client's delayed ACK
        # (~40 ms a request on loopback), which would make every contestant look latency-bound.
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def do_POST(self):
            ok = self.path.split("?")[0] == "/v1/audio/transcriptions"
            size = read_body(self.rfile, self.headers)
            with lock:
                stats["requests"] += 1
                stats["bytes"] += size
                stats["errors"] += 0 if ok else 1
            body = json.dumps({"text": TRANSCRIPT} if ok else {"error": {"message": "not found"}}).encode()
            self.send_response(200 if ok else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    command_loop(server.server_address[1], lock, stats, lambda: {"requests": 0, "bytes": 0, "errors": 0})


MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(?:\r?\n[ \t]+)?(\S+)", re.I | re.M)


def serve_smtp(sample_path):
    import socket
    from aiosmtpd.controller import Controller

    lock = threading.Lock()

    def fresh():
        return {"messages": 0, "bytes": 0, "recipients": 0, "message_ids": set(), "without_message_id": 0}

    stats = fresh()

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            content = envelope.original_content or envelope.content
            head = content[:content.find(b"\r\n\r\n") + 2] if b"\r\n\r\n" in content else content[:8192]
            match = MESSAGE_ID.search(head)
            with lock:
                if sample_path and stats["messages"] == 0 and not os.path.exists(sample_path):
                    with open(sample_path, "wb") as f:
                        f.write(content)
                stats["messages"] += 1
                stats["bytes"] += len(content)
                stats["recipients"] += len(envelope.rcpt_tos)
                if match:
                    stats["message_ids"].add(match.group(1))
                else:
                    stats["without_message_id"] += 1
            return "250 OK"

    with socket.socket() as s:  # Controller needs a fixed port: take a free one
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port, data_size_limit=64 << 20)
    controller.start()

    def summary():
        out = {k: v for k, v in stats.items() if k != "message_ids"}
        out["distinct_message_ids"] = len(stats["message_ids"])
        return out

    command_loop(port, lock, stats, fresh, summary)


def command_loop(port, lock, stats, fresh, summary=None):
    summary = summary or (lambda: dict(stats))
    print(f"PORT {port}", flush=True)
    for line in sys.stdin:
        command = line.strip()
        with lock:
            out = summary()
            if command == "reset":
                new = fresh()
                stats.clear()
                stats.update(new)
        print(json.dumps(out), flush=True)
        if command == "quit":
            break
    os._exit(0)


class Server:
    def __init__(self, kind, sample_path=None):
        cmd = [sys.executable, os.path.abspath(__file__), "--serve", kind]
        if sample_path:
            cmd += ["--sample", sample_path]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            raise SystemExit(f"{kind} server did not start: {line!r}")
        self.port = int(line.split()[1])

    def ask(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def cpu_s(self):
        return process_cpu_s(self.proc.pid)

    def close(self):
        try:
            self.ask("quit")
        except (BrokenPipeError, ValueError):
            pass
        self.proc.wait(timeout=10)


def process_cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------------------------------------------
# Voicemails


def sox(*args):
    subprocess.run(["sox", "-R", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


SIDECAR = """;
; Message Information file
;
[message]
origmailbox=1001
context=from-internal
macrocontext=
exten=1001
rdnis=unknown
priority=2
callerchan=PJSIP/trunk-{n:08x}
callerid="Bench Caller {n}" <+1312555{m:04d}>
origdate={origdate}
origtime={origtime}
category=
msg_id={origtime}-{n:08x}
flag=
duration={duration}
"""


def plan(count, seed):
    """(index, format, seconds) for each voicemail: reproducible for a seed."""
    rng = random.Random(seed)
    return [(n, rng.choice(FORMATS), rng.randint(5, 60)) for n in range(count)]


def make_voicemails(work, voicemails):
    """Base recordings per (format, seconds), copied into spool/ with unique sidecars; also the PCM conversions the
    wire run uploads. Returns (spool, paths by index, pcm path by (format, seconds))."""
    base = os.path.join(work, "base")
    spool = os.path.join(work, "spool")
    os.makedirs(base)
    os.makedirs(spool)
    needed = sorted({(fmt, secs) for _, fmt, secs in voicemails})
    pcm_of = {}
    for secs in sorted({s for _, s in needed}):
        pcm = os.path.join(base, f"pcm-{secs}.wav")
        # A sweep with a little noise at -10 dBFS: not silent, so never a missed call.
        sox("-n", "-r", str(RATE), "-c", "1", "-b", "16", pcm, "synth", str(secs), "sine", "300-900",
            "synth", "whitenoise", "mix", "vol", "0.3")
    sources = {}
    for fmt, secs in needed:
        pcm = os.path.join(base, f"pcm-{secs}.wav")
        if fmt == "pcm":
            sources[(fmt, secs)] = pcm
        elif fmt == "wav49":
            sources[(fmt, secs)] = os.path.join(base, f"wav49-{secs}.WAV")
            sox(pcm, "-e", "gsm-full-rate", sources[(fmt, secs)])
        else:
            sources[(fmt, secs)] = os.path.join(base, f"ulaw-{secs}.wav")
            sox(pcm, "-e", "u-law", sources[(fmt, secs)])
        # What the baseline's sox makes of this file: the body the wire run uploads.
        converted = os.path.join(base, f"converted-{fmt}-{secs}.wav")
        sox(sources[(fmt, secs)], "-e", "signed-integer", "-b", "16", converted)
        pcm_of[(fmt, secs)] = converted
    origin = 1_790_054_687
    paths = {}
    for n, fmt, secs in voicemails:
        ext = "WAV" if fmt == "wav49" else "wav"
        path = os.path.join(spool, f"msg{n:04d}.{ext}")
        shutil.copyfile(sources[(fmt, secs)], path)
        t = origin + 60 * n
        with open(os.path.join(spool, f"msg{n:04d}.txt"), "w") as f:
            f.write(SIDECAR.format(n=n, m=n % 10000, origtime=t, duration=secs,
                                   origdate=time.strftime("%a %b %d %I:%M:%S %p UTC %Y", time.gmtime(t))))
        paths[n] = path
    return spool, paths, pcm_of


# ---------------------------------------------------------------------------------------------------------------
# Measuring one run


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def competing_builds():
    """Names of compiler processes running now (another engineer's `swift build`), for the noise note."""
    names = set()
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/comm") as f:
                    comm = f.read().strip()
            except OSError:
                continue
            if comm in ("swift-frontend", "swift-build", "swift-driver", "clang", "ld", "ld.gold", "ld.lld"):
                names.add(comm)
    return sorted(names)


def child_pid(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = f.read().split()
        return int(kids[0]) if kids else None
    except OSError:
        return None


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def measure(name, cmd, count, servers, workdir, stdin_path=None, sample_rss=False, env=None):
    """Runs cmd under /usr/bin/time -v; returns its figures plus the servers' counts and CPU for this run."""
    for s in servers.values():
        s.ask("reset")
    cpu_before = {k: s.cpu_s() for k, s in servers.items()}
    timing = os.path.join(workdir, f"time-{name}.txt")
    full = ["/usr/bin/time", "-v", "-o", timing, *cmd]
    load_start, builds_start = loadavg(), competing_builds()
    print(f"[{name}] running: {' '.join(cmd)}", file=sys.stderr, flush=True)
    stdin = open(stdin_path) if stdin_path else subprocess.DEVNULL
    started = time.monotonic()
    proc = subprocess.Popen(full, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    progress, rss_samples, err_lines = [], [], []

    def read_stderr():
        for raw in proc.stderr:
            line = raw.decode(errors="replace").rstrip("\n")
            now = time.monotonic() - started
            if re.match(r"\[\s*\d+/\d+\]", line):
                progress.append((now, line))
            else:
                err_lines.append(line)

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    stdout_chunks = []
    out_reader = threading.Thread(target=lambda: stdout_chunks.append(proc.stdout.read()), daemon=True)
    out_reader.start()
    target = None
    while proc.poll() is None:
        if sample_rss:
            target = target or child_pid(proc.pid)
            if target:
                kb = rss_kb(target)
                if kb:
                    rss_samples.append((round(time.monotonic() - started, 2), kb, len(progress)))
        time.sleep(0.2)
    reader.join()
    out_reader.join()
    if stdin_path:
        stdin.close()
    measured = parse_time_v(timing)
    stats = {k: s.ask("stats") for k, s in servers.items()}
    server_cpu = {k: round(s.cpu_s() - cpu_before[k], 2) for k, s in servers.items()}
    wall = measured.get("wall_s") or (time.monotonic() - started)
    cpu = measured.get("user_s", 0) + measured.get("sys_s", 0)
    smtp = stats["smtp"]
    result = {
        "run": name, "command": " ".join(cmd), "count": count, "exit_status": measured.get("exit_status", proc.returncode),
        "wall_s": round(wall, 2), "voicemails_per_s": round(count / wall, 1) if wall else None,
        "cpu_s": round(cpu, 2), "user_s": measured.get("user_s"), "sys_s": measured.get("sys_s"),
        "cpu_ms_per_voicemail": round(1000 * cpu / count, 2),
        "cores_used": round(cpu / wall, 2) if wall else None,
        "peak_rss_mb": round(measured.get("max_rss_kb", 0) / 1024, 1),
        "context_switches": {"voluntary": measured.get("voluntary_cs"), "involuntary": measured.get("involuntary_cs")},
        "sink": smtp, "stand_in": stats["http"],
        "server_cpu_s": server_cpu,
        "server_busy": {k: round(v / wall, 2) for k, v in server_cpu.items()} if wall else None,
        "delivered_ok": smtp["messages"] == count and smtp["distinct_message_ids"] == count
                         and smtp["without_message_id"] == 0,
        "load_avg": [load_start, loadavg()], "competing_builds": sorted(set(builds_start) | set(competing_builds())),
        "stderr_tail": err_lines[-8:],
    }
    if progress:
        result["progress"] = progress_profile(progress, count, wall)
        result["progress_first_lines"] = [line for _, line in progress[:2]]
        statuses = {}
        for _, line in progress:
            m = re.match(r"\[\s*\d+/\d+\]\s+(\S+)", line)
            if m:
                statuses[m.group(1)] = statuses.get(m.group(1), 0) + 1
        result["progress_statuses"] = statuses
        odd = [line for _, line in progress if not re.match(r"\[\s*\d+/\d+\]\s+notified\s", line)]
        result["not_notified_examples"] = odd[:5]
    if rss_samples:
        result["rss_samples_mb"] = thin_rss(rss_samples)
    raw = b"".join(stdout_chunks)
    if raw.strip().startswith(b"{"):
        try:
            report = json.loads(raw)
            result["summary"] = report.get("summary")
        except ValueError as error:
            result["summary_error"] = str(error)
    return result


def progress_profile(progress, count, wall):
    """When the first card was done, and the rate in each tenth of the run: shows start-up cost and any slowdown."""
    times = [t for t, _ in progress]
    profile = {"first_done_s": round(times[0], 3), "last_done_s": round(times[-1], 3),
               "after_last_s": round(wall - times[-1], 3), "tenths_per_s": []}
    step = max(1, len(times) // 10)
    for i in range(0, len(times) - step + 1, step):
        a, b = times[i], times[min(i + step, len(times) - 1)]
        n = min(i + step, len(times) - 1) - i
        profile["tenths_per_s"].append(round(n / (b - a), 1) if b > a else None)
    return profile


def thin_rss(samples):
    """At most ~12 (seconds, MB, cards done) points, always including the peak and the last."""
    peak = max(samples, key=lambda s: s[1])
    step = max(1, len(samples) // 10)
    chosen = samples[::step] + [peak, samples[-1]]
    seen, out = set(), []
    for t, kb, done in sorted(chosen):
        if t not in seen:
            seen.add(t)
            out.append([t, round(kb / 1024, 1), done])
    return out


# ---------------------------------------------------------------------------------------------------------------
# The three contestants


def write_config(folder, spool, http_port, smtp_port, attach, engine="openai"):
    engine_yaml = (f'{{ kind: openai, url: "http://127.0.0.1:{http_port}/v1/audio/transcriptions", '
                   f'api_key: sk-bench, model: whisper-1, language: en }}' if engine == "openai" else "{ kind: none }")
    path = os.path.join(folder, "pipeline.yml")
    with open(path, "w") as f:
        f.write(f"""owner:
  name: "Bench Plumbing"
  email: owner@example.com
  timezone: UTC
intake:
  - path: {spool}
    layout: plain
    settle: 0s
transcription:
  engines:
    - {engine_yaml}
mail:
  from: "Ringback <voicemail@example.com>"
  to: [owner@example.com]
  transport: smtp
  smtp: {{ url: "smtp://127.0.0.1:{smtp_port}", starttls: none }}
  attach_audio: {attach}
callbacks:
  due_within: 4h
ledger: ./var/ringback.sqlite
quarantine: ./var/rejected
""")
    return path


def run_ringback(binary, work, spool, servers, count, concurrency, attach, engine="openai", label=None):
    name = label or f"ringback-{attach}" + ("" if engine == "openai" else f"-engine-{engine}")
    folder = os.path.join(work, name)
    os.makedirs(folder)
    config = write_config(folder, spool, servers["http"].port, servers["smtp"].port, attach, engine)
    cmd = [binary, "reprocess", "--config", config, "--concurrency", str(concurrency), "--json", spool]
    result = measure(name, cmd, count, servers, folder, sample_rss=True)
    result.update({"kind": "ringback", "attach_audio": attach, "engine": engine})
    summary = result.get("summary") or {}
    result["notified"] = summary.get("notified")
    result["ok"] = (result["delivered_ok"] and result["exit_status"] == 0 and summary.get("notified") == count
                    and (engine != "openai" or result["stand_in"]["requests"] >= count))
    return result


BASELINE_SH = r"""#!/bin/bash
# One voicemail the usual way: convert to PCM with sox, transcribe with curl, mail it with curl.
# Usage: baseline.sh IN.wav ID   (env: STT_URL, SMTP_URL, TMPD)
set -u
in=$1; id=$2
wav=$TMPD/$id.wav; eml=$TMPD/$id.eml
sox "$in" -e signed-integer -b 16 "$wav" || exit 1
json=$(curl -sf -F "file=@$wav" -F model=whisper-1 "$STT_URL") || exit 1
text=${json#*\"text\": \"}; text=${text%\"*}
b="=_bench_$id"
{
  printf 'From: Voicemail <voicemail@example.com>\nTo: owner@example.com\n'
  printf 'Subject: Voicemail %s\nDate: %(%a, %d %b %Y %H:%M:%S %z)T\n' "$id" -1
  printf 'Message-ID: <baseline.%s@bench.example>\nMIME-Version: 1.0\n' "$id"
  printf 'Content-Type: multipart/mixed; boundary="%s"\n\n' "$b"
  printf -- '--%s\nContent-Type: text/plain; charset=utf-8\n\n%s\n\n' "$b" "$text"
  printf -- '--%s\nContent-Type: audio/wav; name="%s.wav"\nContent-Transfer-Encoding: base64\n' "$b" "$id"
  printf 'Content-Disposition: attachment; filename="%s.wav"\n\n' "$id"
  base64 -w 76 "$wav"
  printf -- '--%s--\n' "$b"
} > "$eml"
curl -sf --crlf --url "$SMTP_URL" --mail-from voicemail@example.com --mail-rcpt owner@example.com \
  --upload-file "$eml" || exit 1
rm -f "$wav" "$eml"
"""


def run_baseline(work, paths, servers, count, concurrency):
    folder = os.path.join(work, "baseline")
    tmpd = os.path.join(folder, "tmp")
    os.makedirs(tmpd)
    script = os.path.join(folder, "baseline.sh")
    with open(script, "w") as f:
        f.write(BASELINE_SH)
    listing = os.path.join(folder, "list.txt")
    with open(listing, "w") as f:
        for n in sorted(paths):
            f.write(f"{paths[n]} {n:04d}\n")
    env = dict(os.environ, STT_URL=f"http://127.0.0.1:{servers['http'].port}/v1/audio/transcriptions",
               SMTP_URL=f"smtp://127.0.0.1:{servers['smtp'].port}", TMPD=tmpd)
    cmd = ["xargs", "-P", str(concurrency), "-n", "2", "bash", script]
    result = measure("baseline", cmd, count, servers, folder, stdin_path=listing, env=env)
    result["kind"] = "baseline"
    result["ok"] = result["delivered_ok"] and result["exit_status"] == 0 and result["stand_in"]["requests"] == count
    return result


def render_message(n, wav):
    """The message baseline.sh builds, made in advance (LF line ends; curl --crlf converts, as in the baseline)."""
    import base64
    with open(wav, "rb") as f:
        encoded = base64.encodebytes(f.read()).decode()  # 76-character lines, like base64 -w 76
    b = f"=_bench_{n:04d}"
    return (f"From: Voicemail <voicemail@example.com>\nTo: owner@example.com\nSubject: Voicemail {n:04d}\n"
            f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime())}\n"
            f"Message-ID: <wire.{n:04d}@bench.example>\nMIME-Version: 1.0\n"
            f'Content-Type: multipart/mixed; boundary="{b}"\n\n'
            f"--{b}\nContent-Type: text/plain; charset=utf-8\n\n{TRANSCRIPT}\n\n"
            f'--{b}\nContent-Type: audio/wav; name="{n:04d}.wav"\nContent-Transfer-Encoding: base64\n'
            f'Content-Disposition: attachment; filename="{n:04d}.wav"\n\n{encoded}--{b}--\n')


def run_wire(work, voicemails, pcm_of, servers, count, concurrency):
    folder = os.path.join(work, "wire")
    bodies, mails = os.path.join(folder, "bodies"), os.path.join(folder, "mails")
    os.makedirs(bodies)
    os.makedirs(mails)
    t0 = time.monotonic()
    for n, fmt, secs in voicemails:
        os.link(pcm_of[(fmt, secs)], os.path.join(bodies, f"{n:04d}.wav"))
        with open(os.path.join(mails, f"{n:04d}.eml"), "w") as f:
            f.write(render_message(n, pcm_of[(fmt, secs)]))
    print(f"[wire] {count} bodies and messages prepared in {time.monotonic() - t0:.1f} s", file=sys.stderr)
    listing = os.path.join(folder, "list.txt")
    with open(listing, "w") as f:
        f.writelines(f"{n:04d}\n" for n, _, _ in voicemails)
    stt = f"http://127.0.0.1:{servers['http'].port}/v1/audio/transcriptions"
    smtp = f"smtp://127.0.0.1:{servers['smtp'].port}"
    cmd = ["xargs", "-P", str(concurrency), "-I{}",
           "curl", "-sf", "-o", "/dev/null", "-F", f"file=@{bodies}/{{}}.wav", "-F", "model=whisper-1", stt,
           "--next", "-sf", "--crlf", "--url", smtp, "--mail-from", "voicemail@example.com",
           "--mail-rcpt", "owner@example.com", "--upload-file", f"{mails}/{{}}.eml"]
    result = measure("wire", cmd, count, servers, folder, stdin_path=listing)
    result["kind"] = "wire"
    result["ok"] = result["delivered_ok"] and result["exit_status"] == 0 and result["stand_in"]["requests"] == count
    return result


# ---------------------------------------------------------------------------------------------------------------
# Report


def ratio(a, b):
    return round(a / b, 2) if a and b else None


def verdicts(results):
    by = {r["run"]: r for r in results}
    ring = by.get("ringback-mp3") or next((r for r in results if r["kind"] == "ringback"), None)
    base, wire = by.get("baseline"), by.get("wire")
    out = {"ringback_run": ring["run"] if ring else None}
    if ring and base:
        out["throughput_vs_baseline"] = ratio(ring["voicemails_per_s"], base["voicemails_per_s"])
        out["cpu_per_voicemail_vs_baseline"] = ratio(ring["cpu_ms_per_voicemail"], base["cpu_ms_per_voicemail"])
    if ring and wire:
        out["throughput_vs_wire"] = ratio(ring["voicemails_per_s"], wire["voicemails_per_s"])
        out["cpu_per_voicemail_vs_wire"] = ratio(ring["cpu_ms_per_voicemail"], wire["cpu_ms_per_voicemail"])
    if ring:
        out["peak_rss_mb"] = ring["peak_rss_mb"]
    # --compare: each attach_audio run against the other build's run of it.
    out["vs_before"] = {
        r["run"]: {"cpu_per_voicemail": ratio(r["cpu_ms_per_voicemail"], by[f"before-{r['attach_audio']}"]["cpu_ms_per_voicemail"]),
                   "peak_rss": ratio(r["peak_rss_mb"], by[f"before-{r['attach_audio']}"]["peak_rss_mb"])}
        for r in results if r["kind"] == "ringback" and not r["run"].startswith("before-") and f"before-{r['attach_audio']}" in by}
    met = {}
    if out.get("throughput_vs_baseline") is not None:
        met["throughput_vs_baseline"] = out["throughput_vs_baseline"] >= TARGETS["throughput_vs_baseline"]
    if out.get("throughput_vs_wire") is not None:
        met["throughput_vs_wire"] = out["throughput_vs_wire"] >= TARGETS["throughput_vs_wire"]
    if ring:
        met["peak_rss_mb"] = ring["peak_rss_mb"] <= TARGETS["peak_rss_mb"]
    out["targets"] = TARGETS
    out["met"] = met
    return out


def print_table(meta, results, verdict):
    print(f"{meta['count']} voicemails ({meta['mix']}), {meta['audio_minutes']:.0f} min of audio, "
          f"concurrency {meta['concurrency']}, {meta['cores']} cores, binary {meta['binary']}")
    head = (f"{'run':<26}{'vm/s':>8}{'wall s':>9}{'CPU ms/vm':>11}{'cores':>7}{'peak RSS MB':>13}"
            f"{'cards':>7}{'ids':>6}{'sink MB':>9}{'sink busy':>10}{'stt busy':>9}  ok")
    print(head)
    print("-" * len(head))
    for r in results:
        s = r["sink"]
        busy = r.get("server_busy") or {}
        print(f"{r['run']:<26}{r['voicemails_per_s']:>8.1f}{r['wall_s']:>9.2f}{r['cpu_ms_per_voicemail']:>11.2f}"
              f"{r['cores_used']:>7.2f}{r['peak_rss_mb']:>13.1f}{s['messages']:>7}{s['distinct_message_ids']:>6}"
              f"{s['bytes'] / 1e6:>9.1f}{busy.get('smtp', 0):>10.2f}{busy.get('http', 0):>9.2f}  "
              f"{'yes' if r['ok'] else 'NO'}")
    print()
    t = verdict["targets"]
    met = verdict["met"]

    def mark(key):
        return "" if key not in met else ("  met" if met[key] else "  MISSED")

    if "throughput_vs_baseline" in verdict:
        print(f"{verdict['ringback_run']} / baseline throughput: {verdict.get('throughput_vs_baseline')}x "
              f"(target >= {t['throughput_vs_baseline']:g}x){mark('throughput_vs_baseline')}; "
              f"CPU per voicemail {verdict.get('cpu_per_voicemail_vs_baseline')}x the baseline's")
    if "throughput_vs_wire" in verdict:
        print(f"{verdict['ringback_run']} / wire throughput:     {verdict.get('throughput_vs_wire')} "
              f"(target >= {t['throughput_vs_wire']:g}){mark('throughput_vs_wire')}; "
              f"CPU per voicemail {verdict.get('cpu_per_voicemail_vs_wire')}x the wire's")
    for run, against in verdict.get("vs_before", {}).items():
        print(f"{run} / before: CPU per voicemail {against['cpu_per_voicemail']}x, peak RSS {against['peak_rss']}x "
              f"(below 1 is better)")
    print(f"{verdict['ringback_run']} peak RSS:              {verdict.get('peak_rss_mb')} MB "
          f"(target <= {t['peak_rss_mb']:g} MB){mark('peak_rss_mb')}")
    print()
    for r in results:
        notes = [f"load avg {r['load_avg'][0]:.2f} -> {r['load_avg'][1]:.2f}"]
        if r["competing_builds"]:
            notes.append("compiler running: " + ", ".join(r["competing_builds"]))
        notes.append(f"stand-in CPU {r['server_cpu_s']['http']} s, sink CPU {r['server_cpu_s']['smtp']} s")
        print(f"[{r['run']}] exit {r['exit_status']}; " + "; ".join(notes))
        if r.get("summary"):
            sm = r["summary"]
            print(f"    summary: {sm.get('notified')} notified, {sm.get('skipped')} skipped, {sm.get('pending')} pending, "
                  f"{sm.get('rejected')} rejected, {sm.get('failed')} failed in {sm.get('seconds')} s")
        if r.get("progress"):
            p = r["progress"]
            print(f"    progress: first card done at {p['first_done_s']} s, last at {p['last_done_s']} s, "
                  f"exit {p['after_last_s']} s later; rate per tenth (vm/s): {p['tenths_per_s']}")
        if r.get("rss_samples_mb"):
            print("    RSS (s, MB, cards done): " + " ".join(f"({t_}, {mb}, {d})" for t_, mb, d in r["rss_samples_mb"]))
        if r.get("progress_statuses") and set(r["progress_statuses"]) != {"notified"}:
            print(f"    statuses: {r['progress_statuses']}; e.g. " + " | ".join(r.get("not_notified_examples", [])))
        if not r["ok"] or r["exit_status"] != 0:
            print(f"    sink: {r['sink']}; stand-in: {r['stand_in']}")
            for line in r["stderr_tail"]:
                print(f"    stderr: {line}")
    if any(r["competing_builds"] or r["load_avg"][0] > 0.5 for r in results):
        print("\nNote: the machine was not idle (see load averages / compilers above): timings are noisy.")


# ---------------------------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=os.path.join(os.path.dirname(HERE), ".build/release/ringback"))
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--attach", default="mp3,wav", help="attach_audio values to run, first is the main one")
    parser.add_argument("--isolate", action="store_true",
                        help="also run ringback with attach_audio none, and with engine none + attach none")
    parser.add_argument("--compare", metavar="BINARY",
                        help="another ringback build (e.g. an earlier commit) run on the same voicemails after each "
                             "of --binary's runs, as 'before-ATTACH'; the ratios are printed")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-wire", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--json-file", help="also write the JSON results to this file (the table still prints)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    parser.add_argument("--serve", choices=["http", "smtp"], help=argparse.SUPPRESS)
    parser.add_argument("--sample", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve == "http":
        return serve_http()
    if args.serve == "smtp":
        return serve_smtp(args.sample)

    binary = os.path.abspath(args.binary)
    if not os.access("/usr/bin/time", os.X_OK):
        sys.exit("/usr/bin/time is missing: apt-get install time")
    for tool in ("sox", "curl", "base64", "xargs", "bash"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing")
    if not os.access(binary, os.X_OK):
        sys.exit(f"{binary}: not found; build it with `swift build -c release`")

    work = tempfile.mkdtemp(prefix="ringback-throughput-")
    servers = {}
    results = []
    try:
        voicemails = plan(args.count, args.seed)
        t0 = time.monotonic()
        spool, paths, pcm_of = make_voicemails(work, voicemails)
        mix = {f: sum(1 for _, fmt, _ in voicemails if fmt == f) for f in FORMATS}
        audio_s = sum(s for _, _, s in voicemails)
        spool_mb = sum(os.path.getsize(p) for p in paths.values()) / 1e6
        print(f"generated {args.count} voicemails ({mix}, {audio_s / 60:.0f} min, {spool_mb:.0f} MB) in "
              f"{time.monotonic() - t0:.1f} s into {spool}", file=sys.stderr, flush=True)
        servers["http"] = Server("http")
        servers["smtp"] = Server("smtp", os.path.join(work, "first-message.eml"))
        meta = {"count": args.count, "concurrency": args.concurrency, "cores": os.cpu_count(), "seed": args.seed,
                "mix": ", ".join(f"{v} {k}" for k, v in mix.items()), "audio_minutes": audio_s / 60,
                "spool_mb": round(spool_mb, 1), "binary": binary, "work": work,
                "compare": os.path.abspath(args.compare) if args.compare else None}
        attaches = [a.strip() for a in args.attach.split(",") if a.strip()]
        # The sink keeps its first message of each run as a sample: one per run, in the run's folder.
        for attach in attaches:
            results.append(run_ringback(binary, work, spool, servers, args.count, args.concurrency, attach))
            keep_sample(work, results[-1]["run"])
            if args.compare:
                results.append(run_ringback(os.path.abspath(args.compare), work, spool, servers, args.count, args.concurrency,
                                            attach, label=f"before-{attach}"))
                keep_sample(work, results[-1]["run"])
        if not args.skip_baseline:
            results.append(run_baseline(work, paths, servers, args.count, args.concurrency))
            keep_sample(work, "baseline")
        if not args.skip_wire:
            results.append(run_wire(work, voicemails, pcm_of, servers, args.count, args.concurrency))
            keep_sample(work, "wire")
        if args.isolate:
            results.append(run_ringback(binary, work, spool, servers, args.count, args.concurrency, "none"))
            keep_sample(work, results[-1]["run"])
            results.append(run_ringback(binary, work, spool, servers, args.count, args.concurrency, "none", "none"))
            keep_sample(work, results[-1]["run"])
        verdict = verdicts(results)
        document = {"meta": meta, "results": results, "verdict": verdict}
        if args.json_file:
            with open(args.json_file, "w") as f:
                json.dump(document, f, indent=2)
        if args.json:
            print(json.dumps(document, indent=2))
        else:
            print_table(meta, results, verdict)
    finally:
        for s in servers.values():
            s.close()
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    if any(not r["ok"] for r in results):
        print("FAILED: " + ", ".join(r["run"] for r in results if not r["ok"]), file=sys.stderr)
        sys.exit(1)


def keep_sample(work, run):
    sample = os.path.join(work, "first-message.eml")
    if os.path.exists(sample):
        os.replace(sample, os.path.join(work, run, "first-message.eml"))


if __name__ == "__main__":
    main()
