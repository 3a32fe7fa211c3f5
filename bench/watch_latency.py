#!/usr/bin/env python3
"""Watcher latency and idle cost of `ringback watch`, measured against an Asterisk-style spool.

For each of N messages: the audio is renamed into INBOX, then msgNNNN.txt is renamed in last (as Asterisk does);
the clock runs from that rename until the card file appears in the Maildir's new/. That includes the whole
pipeline (probe, ledger, card, Maildir), so it is an upper bound on "rename -> start of processing".
Then the watcher is left alone for IDLE seconds and its CPU time is read from /proc.

Usage: bench/watch_latency.py [--binary .build/release/ringback] [--messages 200] [--idle 60]
"""
from asterisk_spool import sidecar
import argparse, os, shutil, signal, statistics, struct, subprocess, sys, tempfile, time, math, wave

def write_wav(path, seconds=3.0, rate=8000):
    frames = int(seconds * rate)
    with wave.open(path, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(frames)))


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/release/ringback")
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--idle", type=int, default=60)
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    work = tempfile.mkdtemp(prefix="ringback-bench-")
    inbox = os.path.join(work, "voicemail/default/1001/INBOX")
    tmp = os.path.join(work, "voicemail/default/1001/tmp")
    os.makedirs(inbox); os.makedirs(tmp)
    with open(os.path.join(work, "pipeline.yml"), "w") as f:
        f.write('owner: { name: Bench, email: owner@example.com, timezone: UTC }\n'
                'intake:\n  - { path: ./voicemail, layout: asterisk }\n'
                'mail: { from: "Ringback <voicemail@example.com>", to: [owner@example.com] }\n')
    sample = os.path.join(work, "sample.wav")
    write_wav(sample)
    outbox = os.path.join(work, "var/outbox/new")
    log = open(os.path.join(work, "watch.log"), "w")
    proc = subprocess.Popen([binary, "watch", "--config", "pipeline.yml"], cwd=work, stdout=log, stderr=log)
    try:
        deadline = time.time() + 10
        while not os.path.exists(os.path.join(work, "var/ringback.sqlite")) and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        latencies = []
        base = int(time.time())
        for n in range(args.messages):
            name = f"msg{n:04d}"
            shutil.copy(sample, os.path.join(tmp, "rec.wav"))
            os.rename(os.path.join(tmp, "rec.wav"), os.path.join(inbox, name + ".wav"))
            with open(os.path.join(tmp, "rec.txt"), "w") as f:
                f.write(sidecar(n, base + n))
            before = len(os.listdir(outbox)) if os.path.isdir(outbox) else 0
            start = time.perf_counter()
            os.rename(os.path.join(tmp, "rec.txt"), os.path.join(inbox, name + ".txt"))
            while True:
                if os.path.isdir(outbox) and len(os.listdir(outbox)) > before:
                    break
                if time.perf_counter() - start > 30:
                    sys.exit(f"message {n}: no card after 30 s (see {work}/watch.log)")
                time.sleep(0.0002)
            latencies.append((time.perf_counter() - start) * 1000)
        cpu_before = cpu_seconds(proc.pid)
        time.sleep(args.idle)
        cpu_idle = cpu_seconds(proc.pid) - cpu_before
        latencies.sort()
        p50 = statistics.median(latencies)
        p99 = latencies[min(len(latencies) - 1, int(round(0.99 * len(latencies))) - 1)]
        print(f"watcher latency, .txt rename -> card in Maildir, {len(latencies)} messages: "
              f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {latencies[-1]:.1f} ms")
        print(f"idle CPU over {args.idle} s: {cpu_idle * 1000:.0f} ms = {100 * cpu_idle / args.idle:.3f} % of one core")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
