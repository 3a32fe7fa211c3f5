#!/usr/bin/env python3
"""Word error rate of Ringback's offline pocketsphinx engine, on synthetic voicemails at 16 kHz and 8 kHz.

What it measures
  For each of a dozen short voicemail-like sentences (names, phone numbers, times, addresses):
  - WER: word-level Levenshtein distance between the reference and pocketsphinx's transcript, divided by the number
    of reference words, after lowercasing and stripping punctuation. Numbers are spelled as words in the reference
    (it is also the text flite speaks), so "five five five" is compared with "five five five".
  - the engine's confidence, and the decode time (the sum of `transcription.attempts[].seconds`).
  Summary, separately for 16 kHz and 8 kHz: overall WER (total edits / total reference words), mean per-file WER,
  real-time factor (decode seconds / audio seconds), and the Pearson correlation between confidence and WER
  (a useful confidence should correlate negatively).

How
  1. `flite -voice VOICE -t TEXT -o raw.wav`. The default voices (slt, rms, kal16) are 16 kHz natively (flite's
     default `kal` voice is 8 kHz only, which would make the 16 kHz set an upsampled copy of telephone audio).
  2. `sox -R raw.wav -r 16000 -b 16 s16.wav` and `sox -R raw.wav -r 8000 -b 16 s8.wav`: 16-bit PCM mono at both
     rates. The 8 kHz file is a plain resample (band-limited to 4 kHz), not a full telephone channel simulation.
     -R makes sox's dither repeatable: without it every run's 8 kHz files differ in their noise floor, and the
     8 kHz WER moves by a few points from run to run.
  3. `ringback probe --transcribe --json --config CFG FILE...` with CFG a path that does not exist, so probe uses
     its built-in default chain: pocketsphinx alone. (The committed pipeline.yml also says pocketsphinx, but a
     missing config keeps the bench independent of whatever engine someone configured.)

Usage: /usr/bin/python3 bench/wer.py [--binary .build/release/ringback] [--json] [--keep] [--voices slt,rms,kal16]
"""
import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

# What a caller says, numbers spelled as words: this is both what flite speaks and the reference transcript.
SENTENCES = [
    "Hi, this is Maria, please call me back about the leaking sink.",
    "Hello, my name is John Smith and my number is five five five, zero one four two.",
    "This is David from the bank, please call me back before five o'clock today.",
    "Hi, it's Sarah, the water heater stopped working this morning.",
    "I need someone to fix a broken pipe in the kitchen as soon as possible.",
    "Please call Michael at three one two, five five five, eight nine zero zero.",
    "We have an appointment on Tuesday at ten thirty, can you confirm it?",
    "Hi, this is Linda, the toilet upstairs keeps running all night.",
    "Can you send someone on Friday afternoon between two and four?",
    "My address is twelve Oak Street, apartment number seven.",
    "Hello, this is Robert, I am calling about the estimate you sent last week.",
    "There is water coming through the ceiling, please call me back right away.",
]

DEFAULT_VOICES = "slt,rms,kal16"


def normalize(text):
    """Lowercase, drop punctuation (keeping apostrophes inside words), split into words."""
    text = text.lower().replace("\u2019", "'")
    text = re.sub(r"[^a-z0-9']+", " ", text)
    return [w.strip("'") for w in text.split() if w.strip("'")]


def edit_distance(ref, hyp):
    """Word-level Levenshtein distance (substitutions + deletions + insertions)."""
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1]


def pearson(xs, ys):
    if len(xs) < 3:
        return None
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    return None if sxx == 0 or syy == 0 else sxy / math.sqrt(sxx * syy)


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def synthesize(work, voices):
    """Writes sNN-16k.wav and sNN-8k.wav for each sentence; returns [(index, voice, text, {rate: path})]."""
    items = []
    for n, text in enumerate(SENTENCES, 1):
        voice = voices[(n - 1) % len(voices)]
        raw = os.path.join(work, f"s{n:02d}-raw.wav")
        run(["flite", "-voice", voice, "-t", text, "-o", raw])
        paths = {}
        for rate in (16000, 8000):
            path = os.path.join(work, f"s{n:02d}-{rate // 1000}k.wav")
            run(["sox", "-R", raw, "-r", str(rate), "-b", "16", "-c", "1", path])
            paths[rate] = path
        os.remove(raw)
        items.append((n, voice, text, paths))
    return items


def transcribe(binary, config, files):
    """One probe run over all files; returns {path: report}. probe exits 1 when any file has no transcript."""
    proc = subprocess.run([binary, "probe", "--transcribe", "--json", "--config", config, *files],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode not in (0, 1) or not proc.stdout.strip():
        sys.exit(f"ringback probe failed (exit {proc.returncode}):\n{proc.stderr}")
    reports = json.loads(proc.stdout)
    return {os.path.abspath(r["file"]): r for r in reports}, proc


def score(report, reference):
    audio = (report.get("probe") or {}).get("audio") or {}
    run_ = report.get("transcription") or {}
    transcript = run_.get("transcript") or {}
    ref = normalize(reference)
    hyp_text = transcript.get("text", "")
    hyp = normalize(hyp_text)
    edits = edit_distance(ref, hyp)
    return {
        "hypothesis": hyp_text,
        "error": (run_.get("error") or {}).get("detail") or report.get("error"),
        "confidence": transcript.get("confidence"),
        "ref_words": len(ref),
        "edits": edits,
        "wer": edits / len(ref),
        "audio_seconds": audio.get("durationMilliseconds", 0) / 1000,
        "decode_seconds": sum(a.get("seconds", 0) for a in run_.get("attempts", [])),
    }


def summarize(rows):
    audio = sum(r["audio_seconds"] for r in rows)
    decode = sum(r["decode_seconds"] for r in rows)
    with_conf = [r for r in rows if r["confidence"] is not None]
    corr = pearson([r["confidence"] for r in with_conf], [r["wer"] for r in with_conf])
    return {
        "files": len(rows),
        "failed": sum(1 for r in rows if r["error"]),
        "reference_words": sum(r["ref_words"] for r in rows),
        "edits": sum(r["edits"] for r in rows),
        "wer": sum(r["edits"] for r in rows) / sum(r["ref_words"] for r in rows),
        "mean_file_wer": sum(r["wer"] for r in rows) / len(rows),
        "mean_confidence": (sum(r["confidence"] for r in with_conf) / len(with_conf)) if with_conf else None,
        "confidence_wer_correlation": corr,
        "audio_seconds": round(audio, 3),
        "decode_seconds": round(decode, 3),
        "real_time_factor": decode / audio if audio else None,
    }


def fmt(x, spec):
    return "—" if x is None else format(x, spec)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=".build/release/ringback")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON (the table goes to stderr)")
    parser.add_argument("--voices", default=DEFAULT_VOICES, help="flite voices, used in turn (default %(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the generated WAVs and print their folder")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        sys.exit(f"{binary}: not found; build it with `swift build -c release`")
    for tool in ("flite", "sox"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not installed (apt-get install {tool})")
    out = sys.stderr if args.json else sys.stdout

    work = tempfile.mkdtemp(prefix="ringback-wer-")
    try:
        items = synthesize(work, args.voices.split(","))
        config = os.path.join(work, "no-such-pipeline.yml")  # absent on purpose: probe's default pocketsphinx chain
        files = [p for _, _, _, paths in items for p in (paths[16000], paths[8000])]
        reports, proc = transcribe(binary, config, files)

        results = {16000: [], 8000: []}
        print(f"ringback probe --transcribe over {len(files)} files (exit {proc.returncode})\n", file=out)
        for n, voice, text, paths in items:
            print(f"#{n:02d} [{voice}] ref:  {' '.join(normalize(text))}", file=out)
            for rate in (16000, 8000):
                row = score(reports[os.path.abspath(paths[rate])], text)
                row.update(sentence=n, voice=voice, rate=rate, reference=text)
                results[rate].append(row)
                hyp = " ".join(normalize(row["hypothesis"])) or "(nothing)"
                print(f"    {rate // 1000:>2} kHz hyp:  {hyp}", file=out)
                print(f"           WER {row['wer']:6.1%} ({row['edits']}/{row['ref_words']})  "
                      f"conf {fmt(row['confidence'], '.2f')}  decode {row['decode_seconds']:.2f} s "
                      f"/ audio {row['audio_seconds']:.2f} s" + (f"  ERROR {row['error']}" if row["error"] else ""),
                      file=out)
            print(file=out)

        summary = {f"{rate // 1000}kHz": summarize(rows) for rate, rows in results.items()}
        for key, s in summary.items():
            print(f"{key:>6}: WER {s['wer']:.1%} ({s['edits']}/{s['reference_words']} words), mean per-file "
                  f"{s['mean_file_wer']:.1%}, mean confidence {fmt(s['mean_confidence'], '.2f')}, "
                  f"corr(confidence, WER) {fmt(s['confidence_wer_correlation'], '+.2f')}, "
                  f"RTF {fmt(s['real_time_factor'], '.3f')} ({s['decode_seconds']:.1f} s for {s['audio_seconds']:.1f} s), "
                  f"{s['failed']} failed", file=out)
        if args.json:
            print(json.dumps({"engine": "pocketsphinx", "voices": args.voices.split(","), "summary": summary,
                              "files": results[16000] + results[8000]}, indent=2))
    finally:
        if args.keep:
            print(f"WAVs kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
