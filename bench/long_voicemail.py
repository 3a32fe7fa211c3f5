#!/usr/bin/env python3
"""Peak memory and time of one long voicemail through the whole Ringback pipeline.

What it measures
  `/usr/bin/time -v ringback reprocess --config CFG --json FOLDER` on one voicemail: peak resident set size
  ("Maximum resident set size"), wall time and user+sys CPU of the ringback process, covering probe, ledger,
  transcription (cutting the audio into parts), the card and Maildir delivery. While it runs, the process's VmRSS
  is also read from /proc once a second, so a long run shows whether memory grows with the audio decoded so far.

Runs
  openai        --minutes (60), 8 kHz mono 16-bit WAV (~57.6 MB): tones of 3 s separated by 1 s of silence, so
                the splitter always finds a quiet point. Engine `kind: openai` pointed at a loopback stand-in for
                POST /v1/audio/transcriptions (ThreadingHTTPServer on 127.0.0.1, a free port). The stand-in streams
                each multipart body without keeping it, records its size, the file part's name and the size and
                duration in its WAV header, answers {"text": "part N"} at once, and answers OpenAI's 413 when a body
                is over 25 MiB (26214400 bytes). Checked: the card is in Maildir new/, its text says
                "part 1 part 2 ... part N", every upload is <= 25 MiB and the parts add up to the whole hour.
  whisper       --offline-minutes (10) of real speech through `kind: whisper` (whisper.cpp in-process; the model
                is found the way Ringback finds it, models/ggml-base-q8_0.bin in this checkout, unless --model names
                one). Real recorded speech, not synthesis, because decoding cost and what whisper makes of the audio
                depend on it: twelve of Debian's Asterisk prompts (asterisk-core-sounds-en-wav: Allison Smith's
                voice, 8 kHz 16-bit, the telephone quality of a voicemail) in a fixed order, each followed by 0.8 s
                of silence (2 min 47 s in all), played round and round and cut at exactly N minutes. Checked: the
                card is in Maildir new/ and carries a transcript (its heading, the trust label, is read from the
                card; the text, engine and confidence from the ledger). Reported besides time and memory: the
                real-time factor (wall / audio seconds), and as a check that the transcript is the speech, its word
                error rate against the prompts' published text (core-sounds-en.txt; lowercase, no punctuation,
                number words as digits; the prompt cut off at the end is left out of the reference).
  whisper-long  the same for the full --minutes; only with --offline (16 min for the hour at 5f0457b on 2 idle
                cores; on cores another job is using, whisper's threads wait on each other and it can take 2 h).

Usage: /usr/bin/python3 bench/long_voicemail.py [--binary .build/release/ringback] [--minutes 60]
           [--offline-minutes 10] [--offline] [--skip-offline] [--model FILE] [--threads N] [--language CODE]
           [--json] [--save FILE] [--keep]
Needs sox, /usr/bin/time (Debian package `time`), asterisk-core-sounds-en-wav, and the model (`make deps`).
The whisper runs use the engine's default `threads` (every core) unless --threads says otherwise: on a shared
machine, run the script under `nice`.
"""
import argparse
import email.parser
import email.policy
import json
import os
import platform
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
import wave
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from gnu_time import parse_time_v

OPENAI_LIMIT = 25 * 1024 * 1024  # 26214400: OpenAI rejects larger request bodies with a 413
RATE = 8000
PROMPTS = "/usr/share/asterisk/sounds/en"
PAUSE_SECONDS = 0.8
# Real recorded speech: these Asterisk prompts in this order, each followed by PAUSE_SECONDS of silence. The text
# is core-sounds-en.txt's (/usr/share/doc/asterisk-core-sounds-en/), with its typo "represenatives" fixed and
# vm-intro's "(simple tone sound plays)" note left out.
SPEECH = [
    ("demo-congrats", "Congratulations. You have successfully installed and executed the Asterisk open source PBX. "
     "You have also installed a set of sample sounds and configuration files that should help you to get started. "
     "Like a normal PBX you will navigate this demonstration by dialing digits. If you are using a console channel "
     "driver instead of a real phone you can use the dial, answer, and hang up commands to simulate the actions of "
     "a standard telephone."),
    ("vm-intro", "Please leave your message after the tone. When done hang up or press the pound key."),
    ("demo-echotest", "You are about to enter an echo test. In this mode everything you say will be repeated back "
     "to you just as soon as it is received. The purpose of this test is to give you an audible sense of the "
     "latency between you and the machine that is running the echo test application. You may end the test by "
     "hanging up or by pressing the pound key."),
    ("demo-abouttotry", "I am about to attempt an Inter-Asterisk Exchange connection to a demonstration server "
     "located at Digium. In order for this to work you must already be connected to the Internet. Please wait a "
     "moment while I attempt to make the connection."),
    ("demo-nogo", "I am afraid I was unable to create a connection to the Digium demonstration Asterisk server. "
     "You may find some helpful debugging information on the Asterisk console."),
    ("tt-allbusy", "All representatives of the household are currently assisting other telemarketers. Please hold "
     "and your call will be answered in the order it was received."),
    ("queue-periodic-announce", "All of our representatives are currently busy. Please stay on the line and your "
     "call will be answered by the next available representative."),
    ("dir-intro", "Welcome to the directory. Please enter the first three letters of your party's last name using "
     "your touch tone keypad. Use the 7 key for Q and the 9 key for Z."),
    ("vm-record-prepend", "At the tone, please record an introduction to the forwarded message. When done, press "
     "the pound sign."),
    ("vm-instructions", "To look into your messages press 1 now. You may quit voicemail at any time by pressing "
     "the pound key."),
    ("basic-pbx-ivr-main", "Thank you for calling Super Awesome Company, Waldo's premier provider of perfect "
     "products. If you know your party's extension, you may dial it at any time. To establish a sales partnership, "
     "press one. To speak with a customer advocate, press two. For accounting and other receivables, press three. "
     "For a company directory, press four. For an operator, press zero."),
    ("demo-thanks", "Goodbye. Thank you for trying out the Asterisk Open Source PBX."),
]
NUMBER_WORDS = {word: str(n) for n, word in enumerate("zero one two three four five six seven eight nine".split())}


# ---------------------------------------------------------------------------------------------------------------
# Audio


def sox(*args):
    subprocess.run(["sox", "-R", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_voicemail(path, minutes, content, work):
    """An 8 kHz mono 16-bit WAV of exactly `minutes`. Returns its size and, for speech, the text of every prompt
    in it that is whole (the one cut off at the end is left out)."""
    if content == "tones":
        # 3 s of a sweeping tone at -10 dBFS, then 1 s of silence: a quiet point every 4 s. Repeated by sox.
        unit = os.path.join(work, "unit-tones.wav")
        sox("-n", "-r", str(RATE), "-c", "1", "-b", "16", unit, "synth", "3", "sine", "300-900", "vol", "0.3",
            "pad", "0", "1")
        unit_seconds = float(subprocess.run(["soxi", "-D", unit], check=True, capture_output=True, text=True).stdout)
        repeats = int(minutes * 60 / unit_seconds) + 1
        sox(unit, path, "repeat", str(repeats - 1), "trim", "0", str(minutes * 60))
        return os.path.getsize(path), None
    # Speech: the prompts' own PCM frames, untouched, each followed by silence, written round and round.
    pause = b"\0\0" * int(PAUSE_SECONDS * RATE)
    pieces = []
    for name, text in SPEECH:
        with wave.open(os.path.join(PROMPTS, name + ".wav"), "rb") as prompt:
            if (prompt.getframerate(), prompt.getnchannels(), prompt.getsampwidth()) != (RATE, 1, 2):
                sys.exit(f"{PROMPTS}/{name}.wav is not 8 kHz mono 16-bit PCM")
            speech = prompt.readframes(prompt.getnframes())
        pieces.append((speech, text))
    total = minutes * 60 * RATE * 2
    written, heard = 0, []
    with wave.open(path, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        while written < total:
            for speech, text in pieces:
                take = (speech + pause)[:total - written]
                out.writeframes(take)
                written += len(take)
                if len(take) >= len(speech):
                    heard.append(text)
                if written >= total:
                    break
    return os.path.getsize(path), " ".join(heard)


# ---------------------------------------------------------------------------------------------------------------
# Word error rate


def words(text):
    """Lowercase words without punctuation, hyphenated words split, number words as digits, 1,234 as 1234."""
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text.lower().replace("-", " "))
    return [NUMBER_WORDS.get(token, token) for token in re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text)]


def edit_distance(reference, hypothesis):
    """Levenshtein distance between two word lists (substitutions + deletions + insertions). Myers/Hyyrö
    bit-parallel: one big-integer step per hypothesis word, so an hour (~9,000 words a side) takes a second."""
    m = len(reference)
    if m == 0:
        return len(hypothesis)
    peq = {}
    for i, word in enumerate(reference):
        peq[word] = peq.get(word, 0) | (1 << i)
    mask, last = (1 << m) - 1, 1 << (m - 1)
    pv, mv, score = mask, 0, m
    for word in hypothesis:
        eq = peq.get(word, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & mask)
        mh = pv & xh
        if ph & last:
            score += 1
        elif mh & last:
            score -= 1
        ph = ((ph << 1) | 1) & mask
        mh = (mh << 1) & mask
        pv = mh | (~(xv | ph) & mask)
        mv = ph & xv
    return score


# ---------------------------------------------------------------------------------------------------------------
# Resident memory over time


class RSSSampler:
    """VmRSS of the child of /usr/bin/time (ringback itself), read from /proc once a second."""

    def __init__(self, time_pid):
        self.time_pid = time_pid
        self.samples = []  # (seconds since start, MiB)
        self.stopped = threading.Event()
        self.started = time.monotonic()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def child(self):
        try:
            with open(f"/proc/{self.time_pid}/task/{self.time_pid}/children") as f:
                pids = f.read().split()
            return pids[0] if pids else None
        except OSError:
            return None

    def run(self):
        pid = None
        while not self.stopped.wait(0.05 if pid is None else 1.0):
            pid = pid or self.child()
            if pid is None:
                continue
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            self.samples.append((round(time.monotonic() - self.started, 1),
                                                 round(int(line.split()[1]) / 1024, 1)))
                            break
            except OSError:
                pass

    def stop(self):
        self.stopped.set()
        self.thread.join()

    def summary(self):
        """The largest sample, the RSS at the end of each tenth of the run, and the largest in each half."""
        if not self.samples:
            return None
        end = self.samples[-1][0] or 1.0
        tenths = []
        for tenth in range(1, 11):
            before = [mib for t, mib in self.samples if t <= end * tenth / 10]
            tenths.append(before[-1] if before else None)
        first = [mib for t, mib in self.samples if t <= end / 2]
        second = [mib for t, mib in self.samples if t > end / 2]
        return {"samples": len(self.samples), "max_mib": max(mib for _, mib in self.samples),
                "at_each_tenth_mib": tenths, "max_first_half_mib": max(first, default=None),
                "max_second_half_mib": max(second, default=None)}


# ---------------------------------------------------------------------------------------------------------------
# OpenAI stand-in


class Uploads:
    def __init__(self):
        self.lock = threading.Lock()
        self.records = []


def read_body(handler, sink):
    """Feeds the request body to sink(chunk) in pieces (Content-Length or chunked); returns its size."""
    total = 0
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip(), 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return total
            remaining = size
            while remaining:
                chunk = handler.rfile.read(min(remaining, 1 << 16))
                if not chunk:
                    return total
                sink(chunk)
                total += len(chunk)
                remaining -= len(chunk)
            handler.rfile.readline()
    remaining = int(handler.headers.get("Content-Length", "0"))
    while remaining:
        chunk = handler.rfile.read(min(remaining, 1 << 16))
        if not chunk:
            break
        sink(chunk)
        total += len(chunk)
        remaining -= len(chunk)
    return total


def describe_file_part(head):
    """From the first bytes of a multipart body: the `file` part's filename and, from its RIFF header, the WAV's
    size and duration. `file` is the first field Ringback sends, so 64 KiB of the body is enough."""
    found = {}
    match = re.search(rb'name="file"; filename="([^"]*)"', head)
    if match:
        found["filename"] = match.group(1).decode(errors="replace")
    start = head.find(b"\r\n\r\n", match.end()) + 4 if match else -1
    riff = head[start:] if start >= 4 else b""
    if riff[:4] == b"RIFF" and riff[8:12] == b"WAVE":
        found["wav_bytes"] = struct.unpack("<I", riff[4:8])[0] + 8
        pos = 12
        byte_rate = None
        while pos + 8 <= len(riff):
            chunk_id, chunk_size = riff[pos:pos + 4], struct.unpack("<I", riff[pos + 4:pos + 8])[0]
            if chunk_id == b"fmt ":
                byte_rate = struct.unpack("<I", riff[pos + 16:pos + 20])[0]
            elif chunk_id == b"data" and byte_rate:
                found["wav_seconds"] = round(chunk_size / byte_rate, 3)
                break
            pos += 8 + chunk_size + (chunk_size & 1)
    return found


def make_handler(uploads):
    class Handler(BaseHTTPRequestHandler):
        disable_nagle_algorithm = True  # headers and body go out in separate writes: no 40 ms delayed-ACK stall
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, status, payload):
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            if self.path.split("?")[0] != "/v1/audio/transcriptions":
                return self.answer(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
            head = bytearray()

            def keep_head(chunk):  # only the first 64 KiB is kept: part headers and the WAV header
                if len(head) < 65536:
                    head.extend(chunk[:65536 - len(head)])

            started = time.monotonic()
            size = read_body(self, keep_head)
            record = {"body_bytes": size, "seconds_to_read": round(time.monotonic() - started, 3),
                      "auth": self.headers.get("Authorization") == "Bearer sk-bench", **describe_file_part(bytes(head))}
            with uploads.lock:
                uploads.records.append(record)
                record["n"] = len(uploads.records)
            if size > OPENAI_LIMIT:
                record["status"] = 413
                return self.answer(413, {"error": {
                    "message": f"Maximum content size limit ({OPENAI_LIMIT}) exceeded", "type": "invalid_request_error",
                    "param": None, "code": None}})
            record["status"] = 200
            # "part N" from the upload's name (voicemail-partN.wav); a whole file is part 1.
            part = re.search(r"-part(\d+)\.", record.get("filename", ""))
            self.answer(200, {"text": f"part {part.group(1) if part else record['n']}"})

    return Handler


def write_config(folder, engine):
    with open(os.path.join(folder, "pipeline.yml"), "w") as f:
        f.write(f"""owner:
  name: "Bench Plumbing"
  email: owner@example.com
  timezone: UTC
intake:
  - path: ./spool
    layout: plain
    settle: 0s
transcription:
  engines:
    - {engine}
mail:
  from: "Ringback <voicemail@example.com>"
  to: [owner@example.com]
  transport: maildir
  maildir: ./outbox
callbacks:
  due_within: 4h
ledger: ./ringback.sqlite
quarantine: ./rejected
""")
    return os.path.join(folder, "pipeline.yml")


def read_card(maildir):
    """The card in new/: its size, subject and plain text, parsed from the part before the attachment (the
    attachment, ~78 MB of base64 for an hour, is not loaded)."""
    new = os.path.join(maildir, "new")
    names = sorted(os.listdir(new)) if os.path.isdir(new) else []
    if not names:
        return {"delivered": False, "cards": 0}
    path = os.path.join(new, names[0])
    head = bytearray()
    with open(path, "rb") as f:
        while len(head) < 4 << 20:
            chunk = f.read(1 << 16)
            if not chunk:
                break
            head.extend(chunk)
            if b"Content-Disposition: attachment" in head:
                break
    message = email.parser.BytesParser(policy=email.policy.default).parsebytes(bytes(head))
    text = ""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            text = part.get_content()
            break
    return {"delivered": True, "cards": len(names), "bytes": os.path.getsize(path),
            "subject": str(message.get("Subject", "")), "text": text}


# ---------------------------------------------------------------------------------------------------------------
# One run


TRUST_HEADING = re.compile(
    r"What they said \(machine transcript[^)]*\)[^:]*:|Offline draft transcript \([^)]*\)[^:]*:"
    r"|Low confidence \([^)]*\)[^.]*\.|Transcript unavailable[^.]*\.|No transcript:[^.]*\.")


def read_ledger(path):
    """The voicemail's transcript, engine, confidence and status, and its transcription attempts."""
    if not os.path.exists(path):
        return None
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        row = db.execute("SELECT * FROM voicemail").fetchone()
        attempts = [dict(a) for a in db.execute("SELECT * FROM transcriptionAttempt")]
    finally:
        db.close()
    if row is None:
        return None
    row = dict(row)
    return {
        "state": row.get("state"), "transcript": row.get("transcript") or "", "engine": row.get("transcriptEngine"),
        "status": row.get("transcriptStatus"), "confidence": row.get("transcriptConfidence"),
        "is_draft": bool(row.get("transcriptIsDraft")), "failure": row.get("transcriptFailure"),
        "attempts": len(attempts), "attempts_succeeded": sum(1 for a in attempts if a.get("succeeded")),
        "attempt_seconds": round(sum(a.get("durationMs") or 0 for a in attempts) / 1000, 1),
        "attempt_ms": [a.get("durationMs") for a in attempts],  # one per part: a slow stretch shows here
        "attempt_errors": sorted({a["error"] for a in attempts if a.get("error")})[:5],
    }


def run_pipeline(binary, work, name, minutes, content, engine, server=None):
    folder = os.path.join(work, name)
    spool = os.path.join(folder, "spool")
    os.makedirs(spool)
    wav = os.path.join(spool, f"long-{name}.wav")
    t0 = time.monotonic()
    wav_bytes, reference = make_voicemail(wav, minutes, content, folder)
    generated_in = time.monotonic() - t0
    with open(os.path.join(spool, f"long-{name}.json"), "w") as f:
        json.dump({"caller_name": "Bench Caller", "caller_number": "+13125550142"}, f)
    config = write_config(folder, engine)
    timing = os.path.join(folder, "time.txt")
    cmd = ["/usr/bin/time", "-v", "-o", timing, binary, "reprocess", "--config", config, "--json", spool]
    print(f"[{name}] {minutes} min {content} WAV ({wav_bytes / 1e6:.1f} MB, made in {generated_in:.1f} s); running: "
          f"{' '.join(cmd[4:])}", file=sys.stderr, flush=True)
    load_before = os.getloadavg()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = RSSSampler(proc.pid)
    stdout, stderr = proc.communicate()
    sampler.stop()
    measured = parse_time_v(timing)
    try:
        report = json.loads(stdout)
    except ValueError:
        report = None
    card = read_card(os.path.join(folder, "outbox"))
    ledger = read_ledger(os.path.join(folder, "ringback.sqlite"))
    audio_seconds = minutes * 60
    card_text = " ".join(card.get("text", "").split())
    heading = TRUST_HEADING.search(card_text)
    result = {
        "run": name, "engine": engine, "content": content, "audio_seconds": audio_seconds, "wav_bytes": wav_bytes,
        "exit_status": proc.returncode, "peak_rss_mb": round(measured.get("max_rss_kb", 0) / 1024, 1),
        "wall_s": measured.get("wall_s"), "cpu_s": round(measured.get("user_s", 0) + measured.get("sys_s", 0), 2),
        "user_s": measured.get("user_s"), "sys_s": measured.get("sys_s"),
        "real_time_factor": round(measured["wall_s"] / audio_seconds, 4) if "wall_s" in measured else None,
        "cpu_time_factor": round((measured.get("user_s", 0) + measured.get("sys_s", 0)) / audio_seconds, 4),
        "rss_over_time": sampler.summary(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "outcome": (report or {}).get("files", [{}])[0] if report and report.get("files") else None,
        "card": {k: v for k, v in card.items() if k != "text"},
        "stderr_tail": stderr.strip().splitlines()[-5:],
    }
    result["card"]["trust_heading"] = heading.group(0) if heading else None
    result["card"]["text_excerpt"] = card_text[:400]
    if server is not None:
        transcript = re.search(r"(part \d+(?:\s+part \d+)*)", card_text)
        result["card"]["transcript_seen"] = transcript.group(1) if transcript else None
        uploads = list(server.uploads.records)
        parts = sorted(uploads, key=lambda u: u["n"])
        expected = " ".join(f"part {i}" for i in range(1, len(parts) + 1))
        result["uploads"] = parts
        result["upload_count"] = len(parts)
        result["largest_upload_bytes"] = max((u["body_bytes"] for u in parts), default=0)
        result["all_uploads_within_limit"] = all(u["body_bytes"] <= OPENAI_LIMIT for u in parts)
        result["uploaded_audio_seconds"] = round(sum(u.get("wav_seconds", 0) for u in parts), 3)
        result["expected_transcript"] = expected
        result["transcript_ok"] = bool(parts) and expected in card_text
    elif ledger is not None:
        hypothesis, ref = words(ledger["transcript"]), words(reference or "")
        opening = " ".join(ledger["transcript"].split()[:8])
        result["ledger"] = {k: v for k, v in ledger.items() if k != "transcript"}
        result["transcript"] = {
            "words": len(hypothesis), "reference_words": len(ref),
            "word_error_rate": round(edit_distance(ref, hypothesis) / len(ref), 4) if ref else None,
            "on_card": bool(opening) and opening in card_text,
            "excerpt": " ".join(ledger["transcript"].split()[:60]),
        }
        # The card went out with a transcript: words in the ledger, shown on the card under a transcript heading.
        result["transcript_ok"] = (bool(hypothesis) and result["transcript"]["on_card"] and heading is not None
                                   and not heading.group(0).startswith(("Transcript unavailable", "No transcript")))
    return result


def serve():
    uploads = Uploads()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(uploads))
    server.uploads = uploads
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def print_result(r):
    card = r["card"]
    print(f"== {r['run']}: {r['audio_seconds'] / 60:.0f} min {r['content']}, engine {r['engine']}")
    print(f"   exit {r['exit_status']}; peak RSS {r['peak_rss_mb']} MiB; wall {r['wall_s']:.2f} s; "
          f"CPU {r['cpu_s']:.2f} s (user {r['user_s']:.2f}, sys {r['sys_s']:.2f}); "
          f"real-time factor {r['real_time_factor']} (CPU {r['cpu_time_factor']})")
    rss = r.get("rss_over_time")
    if rss:
        print(f"   RSS sampled {rss['samples']}x: max {rss['max_mib']} MiB (first half {rss['max_first_half_mib']}, "
              f"second half {rss['max_second_half_mib']}); at each tenth: {rss['at_each_tenth_mib']}")
    print(f"   load average before {r['load_average_before']}, after {r['load_average_after']}")
    if r.get("outcome"):
        o = r["outcome"]
        print(f"   outcome: {o.get('status')} — {o.get('detail')}")
    print(f"   card delivered: {'yes' if card.get('delivered') else 'no'}"
          + (f" ({card['cards']} file, {card['bytes'] / 1e6:.1f} MB), subject: {card['subject']}" if card.get("delivered") else ""))
    print(f"   card heading: {card.get('trust_heading')!r}")
    if "uploads" in r:
        print(f"   uploads: {r['upload_count']}, all <= 25 MiB: {'yes' if r['all_uploads_within_limit'] else 'NO'}, "
              f"audio uploaded {r['uploaded_audio_seconds']:.1f} s of {r['audio_seconds']} s")
        for u in r["uploads"]:
            print(f"     #{u['n']} {u.get('filename', '?')}: body {u['body_bytes']:,} B, WAV {u.get('wav_bytes', 0):,} B "
                  f"({u.get('wav_seconds', 0):.1f} s) -> {u['status']}")
        print(f"   card transcript: {card.get('transcript_seen')!r} (expected {r['expected_transcript']!r}: "
              f"{'ok' if r['transcript_ok'] else 'MISMATCH'})")
    elif "transcript" in r:
        t, led = r["transcript"], r["ledger"]
        confidence = f"{led['confidence']:.2f}" if led.get("confidence") is not None else "none"
        print(f"   ledger: {led['state']}, transcript {led['status']} by {led['engine']}, confidence {confidence}, "
              f"draft {led['is_draft']}; {led['attempts']} attempts ({led['attempts_succeeded']} ok, "
              f"{led['attempt_seconds']} s)")
        print(f"   transcript: {t['words']} words for {t['reference_words']} spoken, WER {t['word_error_rate']}, "
              f"on the card: {'yes' if t['on_card'] else 'NO'} -> {'ok' if r['transcript_ok'] else 'NO TRANSCRIPT'}")
        print(f"   begins: {t['excerpt'][:300]}")
    else:
        print(f"   card text: {card.get('text_excerpt', '')[:300]}")
    if r["exit_status"] != 0 and r["stderr_tail"]:
        print("   stderr: " + "\n           ".join(r["stderr_tail"]))


def git(*args):
    here = os.path.dirname(os.path.abspath(__file__))
    return subprocess.run(["git", "-C", here, *args], capture_output=True, text=True).stdout.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=".build/release/ringback")
    parser.add_argument("--minutes", type=int, default=60,
                        help="length of the openai run, and of the whisper run with --offline (default %(default)s)")
    parser.add_argument("--offline-minutes", type=int, default=10, help="length of the default whisper run")
    parser.add_argument("--offline", action="store_true", help="also run the full --minutes through whisper")
    parser.add_argument("--skip-offline", action="store_true", help="no whisper run")
    parser.add_argument("--skip-openai", action="store_true", help="no openai run")
    parser.add_argument("--model", help="the whisper model (default: the one Ringback finds, models/ggml-base-q8_0.bin)")
    parser.add_argument("--threads", type=int, help="whisper's threads (default: the engine's, every core)")
    parser.add_argument("--language", help="whisper's language (default: the engine's, auto)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--save", metavar="FILE", help="also write the results, with the commit and machine, as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (WAVs, cards, ledgers)")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    if not os.access("/usr/bin/time", os.X_OK):
        sys.exit("/usr/bin/time is missing: apt-get install time")
    for tool in ("sox", "soxi"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: apt-get install sox")
    if not args.skip_offline:
        missing = [name for name, _ in SPEECH if not os.path.exists(os.path.join(PROMPTS, name + ".wav"))]
        if missing:
            sys.exit(f"{PROMPTS}: no {', '.join(missing)}: apt-get install asterisk-core-sounds-en-wav")
    if not os.access(binary, os.X_OK):
        sys.exit(f"{binary}: not found; build it with `swift build -c release`")

    keys = [f"model: {json.dumps(os.path.abspath(args.model))}"] if args.model else []
    keys += [f"threads: {args.threads}"] if args.threads else []
    keys += [f"language: {args.language}"] if args.language else []
    whisper = "{ " + ", ".join(["kind: whisper", *keys]) + " }"
    # Which code is measured, read before the runs (a commit made while they run does not change the binary).
    meta = {
        "commit": git("rev-parse", "--short", "HEAD"),
        "sources_tree": git("rev-parse", "--short", "HEAD:Sources"),
        "uncommitted_sources": git("status", "--porcelain", "--", "Sources", "Package.swift").splitlines(),
        "binary": binary,
        "binary_mtime": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(os.path.getmtime(binary))),
        "machine": f"{platform.platform()}, {os.cpu_count()} cores", "nice": os.nice(0),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "arguments": sys.argv[1:],
    }
    work = tempfile.mkdtemp(prefix="ringback-long-")
    results = []
    try:
        if not args.skip_openai:
            server = serve()
            port = server.server_address[1]
            engine = (f'{{ kind: openai, url: "http://127.0.0.1:{port}/v1/audio/transcriptions", api_key: sk-bench, '
                      f'model: whisper-1 }}')
            results.append(run_pipeline(binary, work, "openai", args.minutes, "tones", engine, server))
            server.shutdown()
        if not args.skip_offline:
            results.append(run_pipeline(binary, work, "whisper", args.offline_minutes, "speech", whisper))
            if args.offline:
                results.append(run_pipeline(binary, work, "whisper-long", args.minutes, "speech", whisper))
        if args.json:
            print(json.dumps(results, indent=2))
        else:
            for r in results:
                print_result(r)
        if args.save:
            with open(args.save, "w") as f:
                json.dump({"meta": {**meta, "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z")}, "runs": results},
                          f, indent=2)
                f.write("\n")
            print(f"saved {args.save}", file=sys.stderr)
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    failed = [r["run"] for r in results if r["exit_status"] != 0 or not r["card"].get("delivered")
              or r.get("transcript_ok") is False or r.get("all_uploads_within_limit") is False]
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
