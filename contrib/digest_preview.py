#!/usr/bin/env python3
"""Builds a week of calls with the real `ringback` binary and renders the digest it makes, with screenshots.

The week, in the owner's time zone (America/Chicago), relative to now:
  3 days ago  Maria Lopez leaves a message at 09:00; the office calls her back at 11:10 (on time, from Master.csv)
  2 days ago  Robert Chen leaves a message at 10:00; called back at 15:30 (late)
  yesterday   Ann Lee leaves a message at 16:00, not called back (overdue); she calls again 2 h ago and hangs up
  today       Chen Wei hangs up after 20 s of ringing, Bob Ortiz at the greeting, José Müller leaves a message,
              and a robocall leaves one about a vehicle's warranty (held back as spam)
The messages are flite's synthetic speech, transcribed offline by the `whisper` engine (the model Ringback finds:
models/ggml-base-q8_0.bin from `make deps`); the missed calls and callbacks are Asterisk `cdr_csv` rows read by
`ringback callbacks sync`. Writes OUT/digest.html and, with Chromium, OUT/digest-phone.png (360 px),
OUT/digest-phone-dark.png (the reader preferring dark; must be dark) and OUT/digest-desktop.png.

Usage: /usr/bin/python3 contrib/digest_preview.py [--binary .build/release/ringback] [--out docs/digest]
"""
import argparse
import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from card_preview import check_dark, run  # noqa: E402

ZONE = zoneinfo.ZoneInfo("America/Chicago")

CONFIG = """owner: { name: "Acme Plumbing", email: owner@example.com, timezone: America/Chicago, dial_prefixes: ["9"] }
intake:
  - { path: ./spool, layout: asterisk }
transcription:
  engines: [{ kind: whisper }]
mail:
  from: "Ringback <voicemail@example.com>"
  to: [owner@example.com]
  maildir: ./var/outbox
callbacks:
  due_within: 4h
  cdr: { path: ./Master.csv, timezone: America/Chicago, inbound_contexts: [from-trunk] }
web: { public_url: "https://ringback.acme.example", secret: "${RINGBACK_LINK_SECRET}" }
ledger: ./var/ringback.sqlite
"""

SIDECAR = """;
; Message Information file
;
[message]
origmailbox=1001
context=default
exten=1001
callerchan=PJSIP/trunk-0000001a
callerid={callerid}
origdate=
origtime={origtime}
category=
msg_id={origtime}-0000000{index}
flag=
duration=8
"""


def stamp(moment):
    return moment.astimezone(ZONE).strftime("%Y-%m-%d %H:%M:%S")


def row(src, clid, dst, context, dstchannel, lastapp, start, duration, billsec, disposition, uniqueid):
    """One Master.csv row as Asterisk's cdr_csv writes it (21 columns, numbers bare)."""
    def q(text):
        return '"' + text.replace('"', '""') + '"'
    answer = stamp(start + datetime.timedelta(seconds=duration - billsec)) if disposition == "ANSWERED" else ""
    end = stamp(start + datetime.timedelta(seconds=duration))
    fields = [q(""), q(src), q(dst), q(context), q(clid), q("PJSIP/trunk-00000001"), q(dstchannel), q(lastapp), q(""),
              q(stamp(start)), q(answer), q(end), str(duration), str(billsec), q(disposition), q("DOCUMENTATION"),
              q(uniqueid), q(""), q(""), q(uniqueid), "1"]
    return ",".join(fields) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=".build/release/ringback")
    parser.add_argument("--out", default="docs/digest")
    options = parser.parse_args()
    binary, out = os.path.abspath(options.binary), os.path.abspath(options.out)
    os.makedirs(out, exist_ok=True)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    work = tempfile.mkdtemp(prefix="ringback-digest-")
    now = datetime.datetime.now(ZONE).replace(second=0, microsecond=0)
    today = now.replace(hour=0, minute=0)
    day = datetime.timedelta(days=1)
    messages = [
        ('"Maria Lopez" <+15551230000>', today - 3 * day + datetime.timedelta(hours=9),
         "Hi, this is Maria Lopez. The kitchen sink is leaking again. Please call me back."),
        ('"Robert Chen" <+13125550142>', today - 2 * day + datetime.timedelta(hours=10),
         "Hello, this is Robert Chen about the bathroom estimate. Please call me back."),
        ('"Ann Lee" <+13125550199>', today - day + datetime.timedelta(hours=16),
         "Hi, it is Ann Lee. The water heater makes a loud noise. Please call me back tomorrow."),
        ('"José Müller" <+13125550123>', now - datetime.timedelta(minutes=30),
         "Hello, this is Jose. I would like a quote for a new shower. Thank you."),
        ("<+12025550111>", now - datetime.timedelta(hours=1),
         "This is an important message about your vehicle's extended warranty. Press 1 to speak to an agent now."),
    ]
    try:
        os.makedirs(os.path.join(work, "spool", "default", "1001", "INBOX"))
        inbox = os.path.join(work, "spool", "default", "1001", "INBOX")
        config = os.path.join(work, "pipeline.yml")
        with open(config, "w") as f:
            f.write(CONFIG)
        os.chmod(config, 0o600)
        for index, (callerid, when, text) in enumerate(messages):
            raw = os.path.join(work, f"raw{index}.wav")
            audio = os.path.join(inbox, "msg%04d.wav" % index)
            run("flite", "-voice", "slt", "-t", text, "-o", raw)
            run("sox", "-R", raw, "-r", "8000", "-b", "16", audio)
            with open(audio[:-4] + ".txt", "w") as f:
                f.write(SIDECAR.format(callerid=callerid, origtime=int(when.timestamp()), index=index))
        minute = datetime.timedelta(minutes=1)
        rows = [
            # The office calls Maria back on time and Robert late (outbound, from extension 201).
            row("201", '"Front Desk" <201>', "915551230000", "from-internal", "PJSIP/trunk-00000002", "Dial",
                today - 3 * day + datetime.timedelta(hours=11, minutes=10), 100, 95, "ANSWERED", "1.1"),
            row("201", '"Front Desk" <201>', "913125550142", "from-internal", "PJSIP/trunk-00000003", "Dial",
                today - 2 * day + datetime.timedelta(hours=15, minutes=30), 80, 70, "ANSWERED", "1.2"),
            # Ann Lee calls again and hangs up; Chen Wei and Bob Ortiz hang up today.
            row("3125550199", '"Ann Lee" <3125550199>', "5550001111", "from-trunk", "", "Dial",
                now - 120 * minute, 25, 0, "NO ANSWER", "1.3"),
            row("3105550123", '"Chen Wei" <3105550123>', "5550001111", "from-trunk", "", "Dial",
                now - 50 * minute, 20, 0, "NO ANSWER", "1.4"),
            row("+17135550188", '"Bob Ortiz" <+17135550188>', "5550001111", "from-trunk", "", "VoiceMail",
                now - 40 * minute, 30, 12, "ANSWERED", "1.5"),
        ]
        env = dict(os.environ, RINGBACK_LINK_SECRET="digest-preview-secret-0123456789")
        run(binary, "reprocess", "--config", config, inbox, cwd=work, env=env, stdout=subprocess.DEVNULL)
        with open(os.path.join(work, "Master.csv"), "w") as f:
            f.writelines(rows)
        run(binary, "callbacks", "sync", "--config", config, cwd=work, env=env)
        html = os.path.join(out, "digest.html")
        run(binary, "digest", "--config", config, "--html", html, cwd=work, env=env)
        print(f"digest: {html}")
        if not chromium:
            print("Chromium is not installed: HTML only (apt-get install chromium for the PNG screenshots).")
            return
        for label, width, height, extra in [("phone", 360, 1300, []), ("phone-dark", 360, 1300, ["--force-dark-mode"]),
                                            ("desktop", 1024, 1200, [])]:
            png = os.path.join(out, f"digest-{label}.png")
            run(chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--force-device-scale-factor=1", f"--window-size={width},{height}", f"--screenshot={png}",
                *extra, "file://" + html, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            print(f"digest: {png}")
        check_dark(os.path.join(out, "digest-phone.png"), os.path.join(out, "digest-phone-dark.png"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
