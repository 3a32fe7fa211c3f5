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
and OUT/short-phone-dark.png (the phone in dark mode: the card asks for light colours, so this is the card as a mail
app that darkens every message anyway shows it, imitated by Chromium's auto dark mode).

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
                # The card says `color-scheme: light`, so a browser that only prefers dark still shows it light.
                # Some mail apps in dark mode (Gmail's and Outlook's) recolour it anyway, as Chromium's auto dark
                # mode does.
                dark = ["--force-dark-mode", "--blink-settings=forceDarkModeEnabled=true,preferredColorScheme=0"]
                shots.append(("phone-dark", 360, 900, dark))
            for label, width, height, extra in shots:
                png = os.path.join(out, f"{name}-{label}.png")
                run(chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--force-device-scale-factor=1", f"--window-size={width},{height}", f"--screenshot={png}",
                    *extra, "file://" + html, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                print(f"{name}: {png}")
        if not chromium:
            print("Chromium is not installed: HTML only (apt-get install chromium for the PNG screenshots).")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
