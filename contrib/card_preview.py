#!/usr/bin/env python3
"""Renders sample cards with `ringback card preview` and, where Chromium is installed, screenshots them.

Five cards, each from a recording with an Asterisk sidecar for the caller, transcribed offline by the `whisper`
engine (whisper.cpp in-process, the model Ringback finds: models/ggml-base-q8_0.bin from `make deps`, or --model) where a
transcript is wanted:
  short          a short message from a named caller
  long           a long message
  no-transcript  transcription not configured
  unknown        no caller ID at all
  non-ascii      a caller name with accents (José Müller-Øberg)
The speech is synthetic: flite's slt voice saying voicemail-like sentences, at 16 kHz. That is fine for what this
is, a picture of the card's layout; it is not a measurement of the transcripts (real recorded speech is what
bench/long_voicemail.py and the tests use), and a real caller on a real line will get more wrong words.
Writes OUT/NAME.html for each, and with Chromium OUT/NAME-phone.png (360 px wide), OUT/NAME-desktop.png (1024 px)
and OUT/short-phone-dark.png (the phone with the reader preferring dark: the card's own dark colours, as Apple Mail
shows them). The dark screenshot must differ from the light one, and must be dark: the script fails otherwise.

Usage: /usr/bin/python3 contrib/card_preview.py [--binary .build/release/ringback] [--out docs/cards] [--model FILE]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

SAMPLES = [
    ("short", '"Maria Lopez" <+15551230000>', True,
     "Hi, this is Maria Lopez. Please call me back about the leaking sink in the kitchen."),
    ("long", '"Robert Chen" <+13125550142>', True,
     "Hello, this is Robert Chen calling about the estimate you sent last week for the bathroom remodel. "
     "We would like to go ahead, but we have a couple of questions about the tiles and about when your crew "
     "could start. We are home most afternoons. Please call me back when you have a moment. Thank you."),
    ("no-transcript", '"Acme Supplies" <+18005550100>', False,
     "This is Acme Supplies, your order is ready for pick up."),
    ("unknown", "Unknown", True,
     "Hi, it is about the water heater, please call back."),
    ("non-ascii", '"José Müller-Øberg" <+493012345678>', True,
     "Hello, this is Jose, I am calling about the broken pipe."),
]

SIDECAR = """;
; Message Information file
;
[message]
origmailbox=1001
context=from-internal
exten=1001
callerchan=PJSIP/trunk-0000001a
callerid={callerid}
origdate=Tue Nov 24 02:24:47 PM UTC 2026
origtime={origtime}
category=
msg_id={origtime}-0000000{index}
flag=
duration=10
"""

CONFIG = """owner: {{ name: "Acme Plumbing", email: owner@example.com, timezone: America/Chicago }}
intake:
  - {{ path: ./spool, layout: plain }}
transcription:
  engines: [{engine}]
mail:
  from: "Ringback <voicemail@example.com>"
  to: [owner@example.com]
callbacks: {{ due_within: 4h }}
ledger: ./var/ringback.sqlite
"""


def run(*args, **kwargs):
    return subprocess.run(args, check=True, **kwargs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=".build/release/ringback")
    parser.add_argument("--out", default="docs/cards")
    parser.add_argument("--model", help="the whisper model (default: the one Ringback finds, models/ggml-base-q8_0.bin)")
    options = parser.parse_args()
    binary = os.path.abspath(options.binary)
    out = os.path.abspath(options.out)
    os.makedirs(out, exist_ok=True)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    model = f", model: {json.dumps(os.path.abspath(options.model))}" if options.model else ""
    whisper = "{ kind: whisper" + model + " }"
    work = tempfile.mkdtemp(prefix="ringback-cards-")
    try:
        origtime = int(subprocess.run(["date", "+%s"], capture_output=True, text=True).stdout) - 25 * 60
        for index, (name, callerid, transcribe, text) in enumerate(SAMPLES):
            folder = os.path.join(work, name)
            os.makedirs(os.path.join(folder, "spool"))
            with open(os.path.join(folder, "pipeline.yml"), "w") as f:
                f.write(CONFIG.format(engine=whisper if transcribe else "{ kind: none }"))
            raw = os.path.join(folder, "raw.wav")
            audio = os.path.join(folder, "spool", "msg%04d.wav" % index)
            run("flite", "-voice", "slt", "-t", text, "-o", raw)
            run("sox", "-R", raw, "-r", "16000", "-b", "16", audio)
            with open(audio[:-4] + ".txt", "w") as f:
                f.write(SIDECAR.format(callerid=callerid, origtime=origtime - index * 3600, index=index))
            html = os.path.join(out, name + ".html")
            arguments = [binary, "card", "preview", "--config", "pipeline.yml", "--html", html, audio]
            if transcribe:
                arguments.insert(3, "--transcribe")
            result = subprocess.run(arguments, cwd=folder, capture_output=True, text=True)
            if result.returncode != 0:
                sys.exit(f"{name}: ringback card preview failed: {result.stderr.strip()}")
            print(f"{name}: {html}")
            if not chromium:
                continue
            shots = [("phone", 360, 900, []), ("desktop", 1024, 700, [])]
            if name == "short":
                # prefers-color-scheme: dark, without Chromium's own darkening: the card's dark block is what shows.
                shots.append(("phone-dark", 360, 900, ["--force-dark-mode"]))
            for label, width, height, extra in shots:
                png = os.path.join(out, f"{name}-{label}.png")
                run(chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--force-device-scale-factor=1", f"--window-size={width},{height}", f"--screenshot={png}",
                    *extra, "file://" + html, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                print(f"{name}: {png}")
            if name == "short":
                check_dark(os.path.join(out, "short-phone.png"), os.path.join(out, "short-phone-dark.png"))
        if not chromium:
            print("Chromium is not installed: HTML only (apt-get install chromium for the PNG screenshots).")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def mean_luminance(png):
    """Mean luminance (0..1) of an 8-bit RGB or RGBA PNG, decoded with zlib alone (no imaging library)."""
    import struct
    import zlib
    with open(png, "rb") as f:
        data = f.read()
    offset, idat, width, height, channels = 8, b"", 0, 0, 3
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            if depth != 8 or colour not in (2, 6):
                sys.exit(f"{png}: expected an 8-bit RGB(A) PNG")
            channels = 4 if colour == 6 else 3
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    raw, stride, total = zlib.decompress(idat), width * channels, 0.0
    previous = bytearray(stride)
    for row in range(height):
        kind, line = raw[row * (stride + 1)], bytearray(raw[row * (stride + 1) + 1:(row + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        for x in range(0, stride, channels):
            total += (0.2126 * line[x] + 0.7152 * line[x + 1] + 0.0722 * line[x + 2]) / 255
        previous = line
    return total / (width * height)


def check_dark(light, dark):
    """The dark screenshot is not the light one, and is mostly dark."""
    with open(light, "rb") as a, open(dark, "rb") as b:
        if a.read() == b.read():
            sys.exit(f"{dark} is the same picture as {light}: the card's dark colours did not apply")
    light_mean, dark_mean = mean_luminance(light), mean_luminance(dark)
    print(f"mean luminance: light {light_mean:.2f}, dark {dark_mean:.2f}")
    if dark_mean > 0.35 or light_mean < 0.65:
        sys.exit(f"{dark}: not a dark rendering (mean luminance {dark_mean:.2f}; light {light_mean:.2f})")


if __name__ == "__main__":
    main()
