#!/usr/bin/env python3
"""Peak memory and time of one long voicemail through the whole Ringback pipeline.

What it measures
  `/usr/bin/time -v ringback reprocess --config CFG --json FOLDER` on one voicemail: peak resident set size
  ("Maximum resident set size"), wall time and user+sys CPU of the ringback process, covering probe, ledger,
  transcription (cutting the audio into parts), the card (the audio attached as base64) and Maildir delivery.

Runs
  openai    60 min, 8 kHz mono 16-bit WAV (~57.6 MB): tones of 3 s separated by 1 s of silence, so the splitter
            always finds a quiet point. Engine `kind: openai` pointed at a loopback stand-in for
            POST /v1/audio/transcriptions (ThreadingHTTPServer on 127.0.0.1, a free port). The stand-in streams
            each multipart body without keeping it, records its size, the file part's name and the size and
            duration in its WAV header, answers {"text": "part N"} at once, and answers OpenAI's 413 when a body
            is over 25 MiB (26214400 bytes). Checked: the card is in Maildir new/, its text says
            "part 1 part 2 ... part N", every upload is <= 25 MiB and the parts add up to the whole hour.
  sphinx10  10 min, `kind: pocketsphinx`, speech (flite sentences at 8 kHz with 0.7 s pauses, looped), since
            decoding cost depends on content. Reports peak RSS and the real-time factor (wall / audio seconds).
  sphinx60  the same for 60 minutes; only with --offline (~0.3-0.4x real time, 20-25 min).

Usage: /usr/bin/python3 bench/long_voicemail.py [--binary .build/release/ringback] [--minutes 60]
                                                [--sphinx-minutes 10] [--offline] [--json] [--keep]
Needs sox, flite and /usr/bin/time (Debian package `time`).
"""
import argparse
import email.parser
import email.policy
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from gnu_time import parse_time_v

OPENAI_LIMIT = 25 * 1024 * 1024  # 26214400: OpenAI rejects larger request bodies with a 413
RATE = 8000
SPEECH = [
    "Hi, this is Maria, please call me back about the leaking sink.",
    "My number is five five five, zero one four two.",
    "The water heater stopped working this morning and there is water on the floor.",
    "Can you send someone on Friday afternoon between two and four?",
    "I am calling about the estimate you sent last week, it looks fine to me.",
]


# ---------------------------------------------------------------------------------------------------------------
# Audio


def sox(*args):
    subprocess.run(["sox", "-R", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_voicemail(path, minutes, content, work):
    """An 8 kHz mono 16-bit WAV of exactly `minutes`: one short unit made once, then repeated by sox."""
    unit = os.path.join(work, f"unit-{content}.wav")
    if content == "tones":
        # 3 s of a sweeping tone at -10 dBFS, then 1 s of silence: a quiet point every 4 s.
        sox("-n", "-r", str(RATE), "-c", "1", "-b", "16", unit, "synth", "3", "sine", "300-900", "vol", "0.3",
            "pad", "0", "1")
    else:
        pieces = []
        for n, text in enumerate(SPEECH):
            raw = os.path.join(work, f"speech{n}.wav")
            subprocess.run(["flite", "-voice", "kal", "-t", text, "-o", raw], check=True)  # kal: 8 kHz natively
            padded = os.path.join(work, f"speech{n}-padded.wav")
            sox(raw, "-r", str(RATE), "-c", "1", "-b", "16", padded, "pad", "0", "0.7")
            pieces.append(padded)
        sox(*pieces, unit)
    unit_seconds = float(subprocess.run(["soxi", "-D", unit], check=True, capture_output=True, text=True).stdout)
    repeats = int(minutes * 60 / unit_seconds) + 1
    sox(unit, path, "repeat", str(repeats - 1), "trim", "0", str(minutes * 60))
    return os.path.getsize(path)


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


# ---------------------------------------------------------------------------------------------------------------
# One run


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


def run_pipeline(binary, work, name, minutes, content, engine, server=None):
    folder = os.path.join(work, name)
    spool = os.path.join(folder, "spool")
    os.makedirs(spool)
    wav = os.path.join(spool, f"long-{name}.wav")
    t0 = time.monotonic()
    wav_bytes = make_voicemail(wav, minutes, content, folder)
    generated_in = time.monotonic() - t0
    with open(os.path.join(spool, f"long-{name}.json"), "w") as f:
        json.dump({"caller_name": "Bench Caller", "caller_number": "+13125550142"}, f)
    config = write_config(folder, engine)
    timing = os.path.join(folder, "time.txt")
    cmd = ["/usr/bin/time", "-v", "-o", timing, binary, "reprocess", "--config", config, "--json", spool]
    print(f"[{name}] {minutes} min {content} WAV ({wav_bytes / 1e6:.1f} MB, made in {generated_in:.1f} s); running: "
          f"{' '.join(cmd[4:])}", file=sys.stderr, flush=True)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    measured = parse_time_v(timing)
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        report = None
    card = read_card(os.path.join(folder, "outbox"))
    audio_seconds = minutes * 60
    result = {
        "run": name, "engine": engine, "content": content, "audio_seconds": audio_seconds, "wav_bytes": wav_bytes,
        "exit_status": proc.returncode, "peak_rss_mb": round(measured.get("max_rss_kb", 0) / 1024, 1),
        "wall_s": measured.get("wall_s"), "cpu_s": round(measured.get("user_s", 0) + measured.get("sys_s", 0), 2),
        "user_s": measured.get("user_s"), "sys_s": measured.get("sys_s"),
        "real_time_factor": round(measured["wall_s"] / audio_seconds, 4) if "wall_s" in measured else None,
        "outcome": (report or {}).get("files", [{}])[0] if report and report.get("files") else None,
        "card": {k: v for k, v in card.items() if k != "text"},
        "stderr_tail": proc.stderr.strip().splitlines()[-5:],
    }
    transcript = re.search(r"(part \d+(?:\s+part \d+)*)", " ".join(card.get("text", "").split()))
    result["card"]["transcript_seen"] = transcript.group(1) if transcript else None
    result["card"]["text_excerpt"] = " ".join(card.get("text", "").split())[:400]
    if server is not None:
        uploads = list(server.uploads.records)
        parts = sorted(uploads, key=lambda u: u["n"])
        expected = " ".join(f"part {i}" for i in range(1, len(parts) + 1))
        result["uploads"] = parts
        result["upload_count"] = len(parts)
        result["largest_upload_bytes"] = max((u["body_bytes"] for u in parts), default=0)
        result["all_uploads_within_limit"] = all(u["body_bytes"] <= OPENAI_LIMIT for u in parts)
        result["uploaded_audio_seconds"] = round(sum(u.get("wav_seconds", 0) for u in parts), 3)
        result["expected_transcript"] = expected
        result["transcript_ok"] = bool(parts) and expected in " ".join(card.get("text", "").split())
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
    print(f"   exit {r['exit_status']}; peak RSS {r['peak_rss_mb']} MB; wall {r['wall_s']:.2f} s; "
          f"CPU {r['cpu_s']:.2f} s (user {r['user_s']:.2f}, sys {r['sys_s']:.2f}); "
          f"real-time factor {r['real_time_factor']}")
    if r.get("outcome"):
        o = r["outcome"]
        print(f"   outcome: {o.get('status')} — {o.get('detail')}")
    print(f"   card delivered: {'yes' if card.get('delivered') else 'no'}"
          + (f" ({card['cards']} file, {card['bytes'] / 1e6:.1f} MB), subject: {card['subject']}" if card.get("delivered") else ""))
    if "uploads" in r:
        print(f"   uploads: {r['upload_count']}, all <= 25 MiB: {'yes' if r['all_uploads_within_limit'] else 'NO'}, "
              f"audio uploaded {r['uploaded_audio_seconds']:.1f} s of {r['audio_seconds']} s")
        for u in r["uploads"]:
            print(f"     #{u['n']} {u.get('filename', '?')}: body {u['body_bytes']:,} B, WAV {u.get('wav_bytes', 0):,} B "
                  f"({u.get('wav_seconds', 0):.1f} s) -> {u['status']}")
        print(f"   card transcript: {card.get('transcript_seen')!r} (expected {r['expected_transcript']!r}: "
              f"{'ok' if r['transcript_ok'] else 'MISMATCH'})")
    else:
        print(f"   card text: {card.get('text_excerpt', '')[:300]}")
    if r["exit_status"] != 0 and r["stderr_tail"]:
        print("   stderr: " + "\n           ".join(r["stderr_tail"]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=".build/release/ringback")
    parser.add_argument("--minutes", type=int, default=60, help="length of the openai run (default %(default)s)")
    parser.add_argument("--sphinx-minutes", type=int, default=10, help="length of the default pocketsphinx run")
    parser.add_argument("--offline", action="store_true", help="also run the full length through pocketsphinx")
    parser.add_argument("--skip-sphinx", action="store_true", help="only the openai run")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (WAVs, cards, ledgers)")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    if not os.access("/usr/bin/time", os.X_OK):
        sys.exit("/usr/bin/time is missing: apt-get install time")
    for tool in ("sox", "soxi", "flite"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: apt-get install {'sox' if tool == 'soxi' else tool}")
    if not os.access(binary, os.X_OK):
        sys.exit(f"{binary}: not found; build it with `swift build -c release`")

    work = tempfile.mkdtemp(prefix="ringback-long-")
    results = []
    try:
        server = serve()
        port = server.server_address[1]
        engine = (f'{{ kind: openai, url: "http://127.0.0.1:{port}/v1/audio/transcriptions", api_key: sk-bench, '
                  f'model: whisper-1 }}')
        results.append(run_pipeline(binary, work, "openai", args.minutes, "tones", engine, server))
        server.shutdown()
        if not args.skip_sphinx:
            results.append(run_pipeline(binary, work, "sphinx", args.sphinx_minutes, "speech", "{ kind: pocketsphinx }"))
            if args.offline:
                results.append(run_pipeline(binary, work, "sphinx-long", args.minutes, "speech",
                                            "{ kind: pocketsphinx }"))
        if args.json:
            print(json.dumps(results, indent=2))
        else:
            for r in results:
                print_result(r)
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
