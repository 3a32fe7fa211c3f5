#!/usr/bin/env python3
"""A 30-second voicemail through `ringback watch` with the offline whisper engine: time to card, and watch's memory.

What it measures
  `ringback watch` runs on an Asterisk-style spool with the committed engine (`kind: whisper`, the installed
  ggml-base-q8_0.bin, every core). For each of N voicemails of about 30 s of real recorded speech (Debian's Asterisk
  prompts, Allison Smith's voice, 8 kHz PCM, concatenated with 0.4 s pauses, a different set of prompts each time so
  every voicemail has its own identity), the audio is renamed into INBOX and then msgNNNN.txt is renamed in last,
  as app_voicemail does. The clock runs from that rename until the card file appears in the Maildir's new/: probe,
  the no-speech pass, the decode, the ledger, the MP3 and the card.
  Memory: watch's peak resident set (VmHWM from /proc/PID/status) after the last card, which covers every decode.
  Each card is checked to carry a "What they said" transcript.

Usage: /usr/bin/python3 bench/offline_card.py [--binary .build/release/ringback] [--count 5] [--threads N] [--json]
"""
import argparse
import email
import email.policy
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import wave

from asterisk_spool import sidecar

SOUNDS = "/usr/share/asterisk/sounds/en"



def prompts():
    """Every 8 kHz mono 16-bit prompt of 1-8 s, sorted by name: the material voicemails are made of."""
    chosen = []
    for path in sorted(glob.glob(os.path.join(SOUNDS, "*.wav"))):
        with wave.open(path) as w:
            if w.getframerate() != 8000 or w.getnchannels() != 1 or w.getsampwidth() != 2:
                continue
            seconds = w.getnframes() / 8000
            if 1.0 <= seconds <= 8.0:
                chosen.append(path)
    return chosen


def voicemail(path, sources, seconds=30.0):
    """Prompts from `sources` in turn, 0.4 s apart, until `seconds` of audio; returns the prompts used."""
    pause = b"\x00\x00" * 3200
    used, frames = [], b""
    while len(frames) < seconds * 16000 and sources:
        source = sources.pop(0)
        with wave.open(source) as w:
            frames += w.readframes(w.getnframes()) + pause
        used.append(os.path.basename(source))
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(frames[: int(seconds * 16000)])
    return used


def card_text(path):
    """The card's plain-text part, decoded (it is quoted-printable on the wire)."""
    with open(path, "rb") as f:
        message = email.message_from_binary_file(f, policy=email.policy.default)
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part else ""


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=".build/release/ringback")
    parser.add_argument("--count", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="whisper threads (default: every core)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    model = os.path.abspath("models/ggml-base-q8_0.bin")
    work = tempfile.mkdtemp(prefix="ringback-offline-card-")
    inbox = os.path.join(work, "voicemail/default/1001/INBOX")
    staging = os.path.join(work, "staging")
    os.makedirs(inbox)
    os.makedirs(staging)
    threads = f", threads: {args.threads}" if args.threads else ""
    with open(os.path.join(work, "pipeline.yml"), "w") as f:
        f.write("owner: { name: Bench, email: owner@example.com, timezone: UTC }\n"
                "intake:\n  - { path: ./voicemail, layout: asterisk }\n"
                f'transcription:\n  engines: [{{ kind: whisper, model: "{model}", language: en{threads} }}]\n'
                'mail: { from: "Ringback <voicemail@example.com>", to: [owner@example.com] }\n')
    new = os.path.join(work, "var/outbox/new")
    log = open(os.path.join(work, "watch.log"), "w")
    watch = subprocess.Popen([binary, "watch", "--config", "pipeline.yml"], cwd=work, stderr=log)
    results = []
    try:
        deadline = time.time() + 60
        while not os.path.isdir(os.path.dirname(new)) and time.time() < deadline:
            time.sleep(0.1)
        time.sleep(2)  # the model is loaded at start, before the first voicemail
        sources = prompts()
        for n in range(args.count):
            name = f"msg{n:04d}"
            used = voicemail(os.path.join(staging, name + ".wav"), sources)
            with open(os.path.join(staging, name + ".txt"), "w") as f:
                f.write(sidecar(n, 1790000000 + n, duration=30))
            before = set(os.listdir(new)) if os.path.isdir(new) else set()
            os.rename(os.path.join(staging, name + ".wav"), os.path.join(inbox, name + ".wav"))
            start = time.monotonic()
            os.rename(os.path.join(staging, name + ".txt"), os.path.join(inbox, name + ".txt"))
            card = None
            while time.monotonic() - start < 300:
                now = set(os.listdir(new)) if os.path.isdir(new) else set()
                if now - before:
                    card = (now - before).pop()
                    break
                time.sleep(0.02)
            seconds = time.monotonic() - start
            text = card_text(os.path.join(new, card)) if card else ""
            results.append({"voicemail": name, "prompts": len(used), "seconds_to_card": round(seconds, 2),
                            "card": card is not None, "transcript_on_card": "What they said" in text})
            if not args.json:
                print(f"{name}: card in {seconds:5.2f} s, transcript on card: {'What they said' in text}", flush=True)
        peak = peak_rss_mib(watch.pid)
    finally:
        watch.terminate()
        watch.wait(timeout=30)
        log.close()
    times = [r["seconds_to_card"] for r in results]
    summary = {
        "count": len(results), "threads": args.threads or os.cpu_count(),
        "seconds_to_card_median": statistics.median(times), "seconds_to_card_max": max(times),
        "watch_peak_rss_mib": round(peak, 1) if peak else None,
        "every_card_has_a_transcript": all(r["transcript_on_card"] for r in results),
        "results": results,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"median {summary['seconds_to_card_median']:.2f} s, max {summary['seconds_to_card_max']:.2f} s to card; "
              f"watch peak RSS {summary['watch_peak_rss_mib']} MiB; every card has a transcript: "
              f"{summary['every_card_has_a_transcript']}")
    if os.environ.get('KEEP'): print(work)
    else: shutil.rmtree(work, ignore_errors=True)
    return 0 if summary["every_card_has_a_transcript"] else 1


if __name__ == "__main__":
    sys.exit(main())
