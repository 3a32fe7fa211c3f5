#!/usr/bin/env python3
"""Word error rate, speed and memory of Ringback's offline engine (whisper, or the old pocketsphinx) on real speech.

What it measures
  Every figure comes from `ringback probe --transcribe --json`, so it is the engine as Ringback runs it (its audio
  conversion, its parts, its silence handling), not the engine's own command-line tool.
  - English WER on real recorded human speech: 48 of Allison Smith's prompts from Debian's
    asterisk-core-sounds-en-wav (8 kHz 16-bit PCM), scored against the package's own transcript
    (core-sounds-en.txt.gz), in three conditions:
      pcm8k  the WAV as shipped;
      gsm    WAV49: GSM 6.10 in a WAV container (format tag 0x31), what Asterisk writes for `format=wav49`;
      phone  a telephone channel: white noise at -45 dBFS RMS mixed in (about 26 dB below the speech), band-limited
             to 300-3400 Hz, then a G.711 u-law round trip back to 16-bit PCM.
    Each file prints its normalised reference beside each condition's normalised hypothesis and the word errors,
    so a reader can judge the score, and each condition sums up as: WER (total edits / total reference words),
    mean per-file WER, real-time factor (sum of the engine's attempt seconds / audio seconds), CPU seconds of the
    whole probe process per audio second, peak RSS of the probe process.
  - Silence: digital silence, white and pink noise at -50 and -35 dBFS, DTMF digits, hold music, a ringback tone,
    a busy tone and a hang-up on a noisy line, all synthesised (seeded). Any non-empty transcript is a failure; the
    target is none.
  - Language detection (whisper only; pocketsphinx is English only): 10 Spanish (es_MX, the same speaker) and
    10 French (fr_CA) prompts from asterisk-core-sounds-es-wav / -fr-wav with `language: auto`: the language the
    engine reports, and WER against the packages' transcripts (accents stripped on both sides: the Spanish
    transcript is written without them).
  - Model load time: the wall time of `probe --transcribe f f` (a 1-second speech clip, twice) minus the wall time
    of `probe f` without --transcribe, minus twice the second (warm) attempt. That is right whether the engine loads
    its model when the chain is built or inside its first attempt, and the report says which (first attempt minus
    warm attempt). Median of 3 runs.
  - Real-time factor on 1 and 2 cores: `--threads 2,1` (the default for whisper) runs every set with 2 threads on 2
    cores, then the first 16 pcm8k files (--rtf-files) again with 1 thread pinned to 1 core (taskset), and reports
    both. RTF is wall time, so anything else running on the machine inflates it; the CPU seconds of the probe
    process per audio second (from GNU time) are less sensitive to that, and the load average is recorded.

How
  - Utterances: the transcript's entries for top-level prompts (not digits/, letters/...) that are speech (bracketed
    entries such as "[ascending tones]" are not), with at least 6 words, a WAV present and a transcript not already
    taken (the three "glorious leader" takes say the same thing); sorted by name, then 48 picked evenly across the
    list (the i-th of 48 is candidate i*n/48), so the set is not 40 near-identical conference prompts. Fixed, no
    randomness. A few obvious misspellings in the package's transcript are corrected (REFERENCE_FIXES, printed).
  - Normalisation, on both sides: lowercase, NFKC, "#" -> pound, "*" -> star, "%" -> percent, "&" -> and; H:00 ->
    "H o'clock", H:MM -> "H MM"; decimals -> "A point B"; hyphens and slashes split words; other punctuation goes
    (apostrophes inside words stay). Numbers: 0-99 as words ("21" -> "twenty one", "21st" -> "twenty first"),
    longer or zero-led digit strings digit by digit ("1234" -> "one two three four"), so "press 1" and "press one"
    score the same. "okay" -> ok, "thru" -> through (SPELLINGS). A compound the hypothesis writes as one word where
    the reference has two, or the other way round ("voice mail" / "voicemail", "re-entered" / "reentered",
    "touch tone" / "touchtone"), matches at no cost (a third kind of step in the alignment, besides substitution,
    deletion and insertion). Nothing else is forgiven: "[BLANK_AUDIO]" or "(music)" in a transcript
    counts as inserted words, because the card would show them.
  - Conditions and silence files are made with sox -R (repeatable dither); noise is generated here from
    random.Random(seed) so it is the same on every run and machine.
  - probe runs once per set, each under /usr/bin/time -v (peak RSS, CPU) and, with --threads, taskset to the first
    N cores. A 1-second speech clip goes first in every run as a warm-up and is not scored. The pipeline.yml is
    written into the temp folder: one plain intake, maildir mail, `retry: {attempts: 1}` and the one engine:
      whisper:      {kind: whisper, model: M, language: en|auto, threads: N, [beam_size: B], [prompt: P], timeout: 600s}
      pocketsphinx: {kind: pocketsphinx, [model: M], timeout: 600s}
  - Targets (from the issue), marked in the summary: WER <= 3 % on each 8 kHz set (pcm8k, gsm, phone), and no
    transcript for any file of the silence set.

Requirements: sox, GNU time (/usr/bin/time), util-linux taskset, Debian packages asterisk-core-sounds-en-wav and,
for the language set, asterisk-core-sounds-es-wav and asterisk-core-sounds-fr-wav.

Usage: /usr/bin/python3 bench/wer.py [--binary .build/release/ringback] [--engine whisper|pocketsphinx]
           [--model models/ggml-base-q8_0.bin] [--threads 2,1] [--rtf-files 16] [--beam-size N] [--prompt TEXT] [--limit N]
           [--sets pcm8k,gsm,phone,silence,lang] [--seed 1] [--json] [--keep]
  e.g. /usr/bin/python3 bench/wer.py --json > bench/results/wer-whisper-$(git rev-parse --short HEAD).json
       /usr/bin/python3 bench/wer.py --engine pocketsphinx --json > bench/results/wer-pocketsphinx-COMMIT.json
"""
import argparse
import array
import gzip
import json
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
import wave
import zlib

from gnu_time import parse_time_v

SOUNDS = "/usr/share/asterisk/sounds"
TRANSCRIPTS = {
    "en": ("/usr/share/asterisk/sounds/en", "/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz"),
    "es": ("/usr/share/asterisk/sounds/es", "/usr/share/doc/asterisk-core-sounds-es/core-sounds-es.txt.gz"),
    "fr": ("/usr/share/asterisk/sounds/fr", "/usr/share/doc/asterisk-core-sounds-fr/core-sounds-fr.txt.gz"),
}
ENGLISH_UTTERANCES = 48
OTHER_LANGUAGE_UTTERANCES = 10
MIN_WORDS = 6
WER_TARGET = 0.03
WARMUP_SOURCE = "agent-pass"  # its first second ("Please enter...") is the warm-up and model-load clip

# Misspellings in Debian's transcripts (words that do not exist, not words said differently).
REFERENCE_FIXES = {
    "en": {"conf-adminmenu-menu8": [("umute", "unmute")],
           "queue-periodic-announce": [("represenatives", "representatives")]},
    "fr": {"agent-alreadyon": [("présentemnet", "présentement")],
           "vm-opts-full": [("acceuil", "accueil")]},
}

# One word, two spellings: both sides are rewritten to the right-hand form. Applied to whole words, in order.
# (Compounds written as one word or two, "voicemail" / "voice mail", are matched by align.)
SPELLINGS = [
    ("okay", "ok"),
    ("thru", "through"),
]

ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen").split()
TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy", 8: "eighty", 9: "ninety"}
ORDINAL_ENDS = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
                "nine": "ninth", "twelve": "twelfth"}
# es / fr: only the digits' names, for "marque 1" against "marque uno" (accents already stripped).
OTHER_DIGITS = {
    "es": "cero uno dos tres cuatro cinco seis siete ocho nueve diez".split(),
    "fr": "zero un deux trois quatre cinq six sept huit neuf dix".split(),
}
LANGUAGE_NAMES = {"english": "en", "spanish": "es", "french": "fr"}


# ---------------------------------------------------------------------------------------------------- normalising

def number_words(n):
    """0-99 as words: 21 -> 'twenty one'."""
    if n < 20:
        return ONES[n]
    return TENS[n // 10] + ("" if n % 10 == 0 else " " + ONES[n % 10])


def digits_as_words(token):
    """A digit string as spoken: 0-99 as a number, anything longer or zero-led digit by digit."""
    if len(token) == 1 or (len(token) == 2 and token[0] != "0"):
        return number_words(int(token))
    return " ".join(ONES[int(d)] for d in token)


def ordinal_words(n):
    words = number_words(n).split()
    last = words[-1]
    if last in ORDINAL_ENDS:
        words[-1] = ORDINAL_ENDS[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def normalize(text, language="en"):
    """The words of a transcript, in the form both sides are compared in (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    if language != "en":
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = text.replace("#", " pound ").replace("*", " star ").replace("%", " percent ").replace("&", " and ")
    if language == "en":
        text = re.sub(r"\b(\d{1,2}):00\b", r"\1 o'clock", text)
        text = re.sub(r"\b(\d{1,2}):0(\d)\b", r"\1 oh \2", text)
        text = re.sub(r"\b(\d{1,2}):(\d\d)\b", r"\1 \2", text)
        text = re.sub(r"\b(\d+)\.(\d+)\b", lambda m: m.group(1) + " point " + " ".join(m.group(2)), text)
        text = re.sub(r"\b(\d{1,2})(st|nd|rd|th)\b", lambda m: ordinal_words(int(m.group(1))), text)
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # 1,000 -> 1000
    text = re.sub(r"[-\u2010-\u2015/_]+", " ", text)
    if language == "fr":
        text = text.replace("'", " ")  # l'heure -> l heure, whichever way the elision is written
    text = re.sub(r"[^\w' ]+", " ", text)
    words = []
    for word in text.split():
        word = word.strip("'")
        if not word:
            continue
        if word.isdigit():
            if language == "en":
                words.extend(digits_as_words(word).split())
            elif int(word) < len(OTHER_DIGITS[language]) and not (len(word) > 1 and word[0] == "0"):
                words.append(OTHER_DIGITS[language][int(word)])
            else:
                words.extend(OTHER_DIGITS[language][int(d)] for d in word)
        else:
            words.append(word)
    if language == "en":
        joined = " " + " ".join(words) + " "
        for variant, canonical in SPELLINGS:
            joined = joined.replace(" " + variant + " ", " " + canonical + " ")
        words = joined.split()
    return words


def align(ref, hyp):
    """Word-level Levenshtein alignment: (edits, [(op, ref words, hyp words)]) with op in = S D I C.

    C is a compound written as one word on one side and two on the other ("voicemail" / "voice mail",
    "reentered" / "re entered", "touchtone" / "touch tone"): a match, at no cost. Where it applies is decided by
    the alignment, so a reference that writes "voice mail" once and "voicemail" once is matched either way."""
    rows, cols = len(ref) + 1, len(hyp) + 1
    d = [[0] * cols for _ in range(rows)]
    for i in range(rows):
        d[i][0] = i
    for j in range(cols):
        d[0][j] = j
    for i in range(1, rows):
        for j in range(1, cols):
            best = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]))
            if i > 1 and ref[i - 2] + ref[i - 1] == hyp[j - 1]:
                best = min(best, d[i - 2][j - 1])
            if j > 1 and hyp[j - 2] + hyp[j - 1] == ref[i - 1]:
                best = min(best, d[i - 1][j - 2])
            d[i][j] = best
    ops, i, j = [], len(ref), len(hyp)
    while i or j:
        if i and j and d[i][j] == d[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]):
            ops.append(("=" if ref[i - 1] == hyp[j - 1] else "S", ref[i - 1], hyp[j - 1]))
            i, j = i - 1, j - 1
        elif i > 1 and j and ref[i - 2] + ref[i - 1] == hyp[j - 1] and d[i][j] == d[i - 2][j - 1]:
            ops.append(("C", ref[i - 2] + " " + ref[i - 1], hyp[j - 1]))
            i, j = i - 2, j - 1
        elif i and j > 1 and hyp[j - 2] + hyp[j - 1] == ref[i - 1] and d[i][j] == d[i - 1][j - 2]:
            ops.append(("C", ref[i - 1], hyp[j - 2] + " " + hyp[j - 1]))
            i, j = i - 1, j - 2
        elif i and d[i][j] == d[i - 1][j] + 1:
            ops.append(("D", ref[i - 1], None))
            i -= 1
        else:
            ops.append(("I", None, hyp[j - 1]))
            j -= 1
    return d[-1][-1], ops[::-1]


def describe_errors(ops):
    """'umute→unmute, -the, +uh': substitutions, deletions (-) and insertions (+)."""
    parts = []
    for op, r, h in ops:
        if op == "S":
            parts.append(f"{r}\u2192{h}")
        elif op == "D":
            parts.append(f"-{r}")
        elif op == "I":
            parts.append(f"+{h}")
    return ", ".join(parts)


# ---------------------------------------------------------------------------------------------------- corpus

def read_transcript(path):
    """{name: text} from an asterisk-core-sounds transcript (`name: text` lines, ';' comments)."""
    entries = {}
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith(";") or ":" not in line:
                continue
            name, text = line.split(":", 1)
            entries.setdefault(name.strip(), text.strip())
    return entries


def wav_seconds(path):
    out = subprocess.run(["soxi", "-D", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return float(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else 0.0


def pick_utterances(language, count):
    """[(name, wav path, reference)]: the fixed selection described in the module docstring."""
    folder, transcript = TRANSCRIPTS[language]
    if not os.path.exists(transcript):
        sys.exit(f"{transcript}: missing (apt-get install asterisk-core-sounds-{language}-wav)")
    candidates, seen = [], set()
    for name, text in sorted(read_transcript(transcript).items()):
        path = os.path.join(folder, name + ".wav")
        if "/" in name or text.startswith("[") or text.startswith("(") or not os.path.exists(path):
            continue
        for wrong, right in REFERENCE_FIXES.get(language, {}).get(name, []):
            text = re.sub(rf"\b{wrong}\b", right, text)
        # Counted and compared on the raw text, so that editing the normaliser never changes the selection.
        key = " ".join(re.findall(r"[\w']+", text.lower()))
        if len(key.split()) < MIN_WORDS or key in seen:
            continue
        seen.add(key)
        candidates.append((name, path, text))
    n = len(candidates)
    if count >= n:
        return candidates
    return [candidates[(i * n) // count] for i in range(count)]


def sox(*args):
    proc = subprocess.run(["sox", "-R", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.exit(f"sox {' '.join(args)} failed:\n{proc.stderr}")


def write_wav(path, samples, rate=8000):
    data = array.array("h", (max(-32768, min(32767, int(round(s)))) for s in samples))
    if sys.byteorder != "little":
        data.byteswap()
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(data.tobytes())


def noise(seconds, dbfs, seed, colour="white", rate=8000):
    """Gaussian white noise, or pink (Paul Kellet's filter), scaled to an RMS of dbfs relative to full scale."""
    rng = random.Random(seed)
    n = int(seconds * rate)
    raw = [rng.gauss(0.0, 1.0) for _ in range(n)]
    if colour == "pink":
        b0 = b1 = b2 = b3 = b4 = b5 = b6 = 0.0
        pink = []
        for x in raw:
            b0 = 0.99886 * b0 + x * 0.0555179
            b1 = 0.99332 * b1 + x * 0.0750759
            b2 = 0.96900 * b2 + x * 0.1538520
            b3 = 0.86650 * b3 + x * 0.3104856
            b4 = 0.55000 * b4 + x * 0.5329522
            b5 = -0.7616 * b5 - x * 0.0168980
            pink.append(b0 + b1 + b2 + b3 + b4 + b5 + b6 + x * 0.5362)
            b6 = x * 0.115926
        raw = pink
    rms = math.sqrt(sum(x * x for x in raw) / n)
    scale = 32768 * 10 ** (dbfs / 20) / rms
    return [x * scale for x in raw]


def seed_for(seed, name):
    return seed * 1_000_003 + zlib.crc32(name.encode())


def build_conditions(work, utterances, conditions, seed):
    """{condition: {name: path}} for the English utterances."""
    paths = {c: {} for c in conditions}
    for c in conditions:
        os.makedirs(os.path.join(work, c))
    for name, source, _ in utterances:
        if "pcm8k" in conditions:
            paths["pcm8k"][name] = os.path.join(work, "pcm8k", name + ".wav")
            shutil.copyfile(source, paths["pcm8k"][name])
        if "gsm" in conditions:
            paths["gsm"][name] = os.path.join(work, "gsm", name + ".wav")
            sox(source, "-t", "wav", "-e", "gsm-full-rate", paths["gsm"][name])
        if "phone" in conditions:
            hiss = os.path.join(work, "phone", name + ".noise.wav")
            mixed = os.path.join(work, "phone", name + ".ulaw.wav")
            write_wav(hiss, noise(wav_seconds(source), -45, seed_for(seed, name)))
            sox("-m", "-v", "1", source, "-v", "1", hiss, "-t", "wav", "-e", "u-law", "-b", "8", mixed,
                "sinc", "300-3400")
            paths["phone"][name] = os.path.join(work, "phone", name + ".wav")
            sox(mixed, "-e", "signed-integer", "-b", "16", paths["phone"][name])
            os.remove(hiss)
            os.remove(mixed)
    return paths


def build_silence(work, seed):
    """{name: (path, what it is)}: audio with no speech in it, all 8 kHz 16-bit mono."""
    folder = os.path.join(work, "silence")
    os.makedirs(folder)
    files = {}

    def path(name):
        return os.path.join(folder, name + ".wav")

    sox("-n", "-r", "8000", "-b", "16", "-c", "1", path("silence-20s"), "trim", "0", "20")
    files["silence-20s"] = "20 s of digital silence"
    for colour in ("white", "pink"):
        for level in (-50, -35):
            name = f"{colour}-noise{level}dB-20s"
            write_wav(path(name), noise(20, level, seed_for(seed, name), colour))
            files[name] = f"20 s of {colour} noise at {level} dBFS RMS"

    # DTMF "5551234" twice: each digit 0.1 s of its two tones at -10 dBFS each, 0.1 s apart, 1 s of quiet around.
    keys = {"1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "4": (770, 1209), "5": (770, 1336),
            "6": (770, 1477), "7": (852, 1209), "8": (852, 1336), "9": (852, 1477), "0": (941, 1336)}
    amp = 10 ** (-10 / 20)
    parts = []
    for i, digit in enumerate("5551234" * 2):
        low, high = keys[digit]
        part = os.path.join(folder, f"dtmf-{i:02d}.wav")
        sox("-n", "-r", "8000", "-b", "16", "-c", "1", part, "synth", "0.1", "sine", str(low), "synth", "0.1",
            "sine", "mix", str(high), "vol", str(amp / 2), "pad", "0", "0.1")
        parts.append(part)
    sox(*parts, path("dtmf-5551234"), "pad", "1", "1")
    for part in parts:
        os.remove(part)
    files["dtmf-5551234"] = "DTMF 5551234 twice (0.1 s tones, 0.1 s gaps)"

    # Hold music: four plucked chords (C, Am, F, G) as arpeggios, about 12 s, peak -6 dBFS.
    chords = [("C3", "E3", "G3", "C4", "E4", "G4"), ("A2", "E3", "A3", "C4", "E4", "A4"),
              ("F2", "C3", "F3", "A3", "C4", "F4"), ("G2", "D3", "G3", "B3", "D4", "G4")]
    parts = []
    for i, chord in enumerate(chords * 2):
        part = os.path.join(folder, f"music-{i:02d}.wav")
        synth = []
        for note in chord:
            synth += ["pl", note]
        sox("-r", "44100", "-c", str(len(chord)), "-n", "-r", "8000", "-b", "16", "-c", "1", part,  # pluck: 44.1 kHz
            "synth", "1.5", *synth, "delay", *[f"{k * 0.12:.2f}" for k in range(len(chord))], "remix", "-",
            "fade", "0", "1.5", "0.2")
        parts.append(part)
    sox(*parts, "-c", "1", path("hold-music"), "norm", "-6")
    for part in parts:
        os.remove(part)
    files["hold-music"] = "12 s of plucked chords (C Am F G, twice), peak -6 dBFS"

    # North American ringback: 440 + 480 Hz, 2 s on, 4 s off, three times; busy: 480 + 620 Hz, 0.5 s on/off.
    tone = os.path.join(folder, "tone.wav")
    sox("-n", "-r", "8000", "-b", "16", "-c", "1", tone, "synth", "2", "sine", "440", "synth", "2", "sine", "mix",
        "480", "vol", "0.1", "pad", "0", "4", "repeat", "2")
    os.replace(tone, path("ringback-tone"))
    files["ringback-tone"] = "ringback tone 440+480 Hz, 2 s on 4 s off, 3 cycles"
    sox("-n", "-r", "8000", "-b", "16", "-c", "1", tone, "synth", "0.5", "sine", "480", "synth", "0.5", "sine",
        "mix", "620", "vol", "0.1", "pad", "0", "0.5", "repeat", "7")
    os.replace(tone, path("busy-tone"))
    files["busy-tone"] = "busy tone 480+620 Hz, 0.5 s on 0.5 s off, 8 s"

    # A hang-up: 1 s of quiet hiss, a click, then 9 s of line noise (band-limited white at -40 dBFS plus 60 Hz hum).
    rate = 8000
    rng = random.Random(seed_for(seed, "hangup"))
    samples = noise(10, -60, seed_for(seed, "hangup-hiss"))
    line = noise(9, -40, seed_for(seed, "hangup-line"))
    for k in range(len(line)):
        samples[rate + k] += line[k] + 150 * math.sin(2 * math.pi * 60 * k / rate)
    for k in range(80):  # 10 ms click
        samples[rate + k] += rng.choice((-1, 1)) * 12000 * math.exp(-k / 15)
    raw = os.path.join(folder, "hangup-raw.wav")
    write_wav(raw, samples)
    sox(raw, path("hangup-line-noise"), "sinc", "300-3400")
    os.remove(raw)
    files["hangup-line-noise"] = "1 s hiss, a click, 9 s of line noise (-40 dBFS, 60 Hz hum), 300-3400 Hz"
    return {name: (path(name), what) for name, what in files.items()}


def build_warmup(work):
    clip = os.path.join(work, "warmup-1s.wav")
    sox(os.path.join(TRANSCRIPTS["en"][0], WARMUP_SOURCE + ".wav"), clip, "trim", "0", "1")
    return clip


# ---------------------------------------------------------------------------------------------------- running probe

def yaml_string(value):
    return json.dumps(value)  # a JSON string is a YAML flow scalar


def engine_entry(args, language, threads):
    if args.engine == "pocketsphinx":
        entry = {"kind": "pocketsphinx"}
        if args.model:
            entry["model"] = args.model
    else:
        entry = {"kind": "whisper", "model": args.model, "language": language, "threads": threads}
        if args.beam_size:
            entry["beam_size"] = args.beam_size
        if args.prompt:
            entry["prompt"] = args.prompt
    entry["timeout"] = "600s"
    return entry


def write_config(work, name, entry):
    path = os.path.join(work, f"pipeline-{name}.yml")
    fields = ", ".join(f"{k}: {yaml_string(v) if isinstance(v, str) else v}" for k, v in entry.items())
    with open(path, "w") as f:
        f.write(f"""# written by bench/wer.py
owner: {{ name: Bench, email: bench@example.com, timezone: UTC }}
intake:
  - {{ path: {yaml_string(work)}, layout: plain }}
transcription:
  engines:
    - {{ {fields} }}
  retry: {{ attempts: 1, backoff: 1s }}
mail:
  from: "Ringback <bench@example.com>"
  to: [owner@example.com]
  maildir: {yaml_string(os.path.join(work, "outbox"))}
ledger: {yaml_string(os.path.join(work, "ledger.sqlite"))}
quarantine: {yaml_string(os.path.join(work, "rejected"))}
""")
    return path, fields


def pinned(threads):
    """taskset prefix that keeps the process on the first `threads` cores (when taskset exists and they do)."""
    if threads and shutil.which("taskset") and threads <= (os.cpu_count() or 1):
        return ["taskset", "-c", ",".join(str(c) for c in range(threads))]
    return []


def run_probe(binary, config, files, work, cores, transcribe=True):
    """Runs probe under GNU time; returns ({abs path: report}, time -v figures, exit code, stderr)."""
    timing = os.path.join(work, "time-v.txt")
    cmd = [*pinned(cores), "/usr/bin/time", "-v", "-o", timing, binary, "probe", "--json", "--config", config]
    if transcribe:
        cmd.append("--transcribe")
    started = time.monotonic()
    proc = subprocess.run(cmd + list(files), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - started
    if proc.returncode not in (0, 1) or not proc.stdout.strip():
        sys.exit(f"ringback probe failed (exit {proc.returncode}): {' '.join(cmd[:12])} ...\n{proc.stderr[-4000:]}")
    reports = {}
    for report in json.loads(proc.stdout):
        reports.setdefault(os.path.abspath(report["file"]), []).append(report)
    figures = parse_time_v(timing)
    figures["wall_s"] = round(wall, 3)
    return reports, figures, proc.returncode, proc.stderr


def read_report(report):
    audio = (report.get("probe") or {}).get("audio") or {}
    run_ = report.get("transcription") or {}
    transcript = run_.get("transcript") or {}
    attempts = run_.get("attempts", [])
    return {
        "text": transcript.get("text", "") if transcript else "",
        "has_transcript": bool(transcript),
        "language": transcript.get("language"),
        "engine": transcript.get("engine"),
        "confidence": transcript.get("confidence"),
        "error": (run_.get("error") or {}).get("detail") or (report.get("error") or {}).get("reason"),
        "format": "/".join(map(str, audio["format"].values())) if isinstance(audio.get("format"), dict)
        else audio.get("format"),
        "audio_seconds": audio.get("durationMilliseconds", 0) / 1000,
        "decode_seconds": sum(a.get("seconds", 0) for a in attempts),
        "attempts": [round(a.get("seconds", 0), 4) for a in attempts],
    }


def score(reference, got, language="en"):
    ref = normalize(reference, language)
    hyp = normalize(got["text"], language)
    edits, ops = align(ref, hyp)
    return dict(got, reference=reference, ref_norm=" ".join(ref), hyp_norm=" ".join(hyp), ref_words=len(ref),
                edits=edits, wer=edits / len(ref) if ref else 0.0, errors=describe_errors(ops))


def summarize(rows, figures, threads):
    audio = sum(r["audio_seconds"] for r in rows)
    decode = sum(r["decode_seconds"] for r in rows)
    words = sum(r["ref_words"] for r in rows)
    cpu = figures.get("user_s", 0) + figures.get("sys_s", 0)
    return {
        "files": len(rows),
        "formats": sorted({r["format"] or "?" for r in rows}),
        "failed": sum(1 for r in rows if r["error"]),
        "reference_words": words,
        "edits": sum(r["edits"] for r in rows),
        "wer": sum(r["edits"] for r in rows) / words if words else None,
        "mean_file_wer": sum(r["wer"] for r in rows) / len(rows) if rows else None,
        "files_perfect": sum(1 for r in rows if r["edits"] == 0),
        "mean_confidence": statistics.mean(r["confidence"] for r in rows if r["confidence"] is not None)
        if any(r["confidence"] is not None for r in rows) else None,
        "audio_seconds": round(audio, 3),
        "decode_seconds": round(decode, 3),
        "real_time_factor": decode / audio if audio else None,
        "threads": threads,
        "process_wall_seconds": figures.get("wall_s"),
        "process_cpu_seconds": round(cpu, 2),
        "cpu_seconds_per_audio_second": cpu / audio if audio else None,
        "peak_rss_mb": round(figures.get("max_rss_kb", 0) / 1024, 1),
    }


def fmt(x, spec, none="\u2014"):
    return none if x is None else format(x, spec)


def detected(language):
    if not language:
        return None
    language = language.lower()
    return LANGUAGE_NAMES.get(language, language[:2])


def measure_model_load(args, binary, work, warmup, repeats=3):
    """Model load seconds (see the module docstring): medians over `repeats` pairs of runs."""
    config, _ = write_config(work, "load", engine_entry(args, "en", args.thread_counts[0]))
    runs = []
    for _ in range(repeats):
        _, bare, _, _ = run_probe(binary, config, [warmup], work, args.thread_counts[0], transcribe=False)
        reports, full, _, _ = run_probe(binary, config, [warmup, warmup], work, args.thread_counts[0])
        pair = [read_report(r) for r in reports[os.path.abspath(warmup)]]
        first, warm = pair[0]["decode_seconds"], pair[1]["decode_seconds"]
        runs.append({"probe_only_wall_s": bare["wall_s"], "transcribe_twice_wall_s": full["wall_s"],
                     "first_attempt_s": round(first, 4), "warm_attempt_s": round(warm, 4),
                     "load_s": round(full["wall_s"] - bare["wall_s"] - 2 * warm, 3),
                     "peak_rss_mb": round(full.get("max_rss_kb", 0) / 1024, 1),
                     "probe_only_rss_mb": round(bare.get("max_rss_kb", 0) / 1024, 1)})
    return {
        "load_seconds": statistics.median(r["load_s"] for r in runs),
        "load_inside_first_attempt_seconds": round(statistics.median(r["first_attempt_s"] - r["warm_attempt_s"]
                                                                     for r in runs), 3),
        "one_second_clip_rss_mb": statistics.median(r["peak_rss_mb"] for r in runs),
        "probe_without_engine_rss_mb": statistics.median(r["probe_only_rss_mb"] for r in runs),
        "runs": runs,
    }


def git_describe(path):
    folder = os.path.dirname(os.path.abspath(path))
    proc = subprocess.run(["git", "-C", folder, "describe", "--always", "--dirty", "--abbrev=7"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return proc.stdout.strip() or None


# ---------------------------------------------------------------------------------------------------- main

def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=".build/release/ringback")
    parser.add_argument("--engine", choices=("whisper", "pocketsphinx"), default="whisper")
    parser.add_argument("--model", help="whisper: the ggml file (default models/ggml-base-q8_0.bin under the repo); "
                                        "pocketsphinx: the model folder (default: the engine's own)")
    parser.add_argument("--threads", help="thread counts, comma-separated: every set runs with the first (pinned to "
                                          "that many cores), the first --rtf-files pcm8k files again with each other "
                                          "one (default whisper 2,1; pocketsphinx 1: it uses one thread)")
    parser.add_argument("--rtf-files", type=int, default=16,
                        help="the runs with the other thread counts take the first N pcm8k files (default %(default)s)")
    parser.add_argument("--beam-size", type=int, help="whisper's beam_size (default: the engine's)")
    parser.add_argument("--prompt", help="whisper's prompt (default: none)")
    parser.add_argument("--limit", type=int, help="only the first N English utterances (and N per other language) "
                                                  "of the fixed selection")
    parser.add_argument("--sets", help="comma-separated, from pcm8k,gsm,phone,silence,lang "
                                       "(default all; pocketsphinx: all but lang)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated noise (default %(default)s)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON (the tables go to stderr)")
    parser.add_argument("--keep", action="store_true", help="keep the generated audio and configs; print the folder")
    args = parser.parse_args()

    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        sys.exit(f"{binary}: not found; build it with `swift build -c release`")
    for tool in ("sox", "soxi", "/usr/bin/time"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not installed (apt-get install sox time)")
    if args.engine == "whisper":
        args.model = os.path.abspath(args.model or os.path.join(repo, "models", "ggml-base-q8_0.bin"))
        if not os.path.exists(args.model):
            sys.exit(f"{args.model}: no such whisper model (pass --model PATH to a ggml file)")
    elif args.model:
        args.model = os.path.abspath(args.model)
    args.thread_counts = [int(t) for t in (args.threads or ("2,1" if args.engine == "whisper" else "1")).split(",")]
    default_sets = "pcm8k,gsm,phone,silence" + (",lang" if args.engine == "whisper" else "")
    sets = (args.sets or default_sets).split(",")
    conditions = [c for c in ("pcm8k", "gsm", "phone") if c in sets]
    out = sys.stderr if args.json else sys.stdout
    started = time.monotonic()
    load_before = os.getloadavg()

    # --limit takes the first N of the fixed selection, so a short run is a subset of the full one.
    english = pick_utterances("en", ENGLISH_UTTERANCES)[:args.limit]
    others = {}
    if "lang" in sets:
        for language in ("es", "fr"):
            others[language] = pick_utterances(language, OTHER_LANGUAGE_UTTERANCES)[:args.limit]

    work = tempfile.mkdtemp(prefix="ringback-wer-")
    try:
        warmup = build_warmup(work)
        paths = build_conditions(work, english, conditions, args.seed)
        silence = build_silence(work, args.seed) if "silence" in sets else {}
        threads = args.thread_counts[0]
        result = {"engine": args.engine, "binary": binary, "binary_version": git_describe(binary),
                  "model": args.model, "model_bytes": os.path.getsize(args.model) if args.model and
                  os.path.isfile(args.model) else None, "threads": args.thread_counts, "seed": args.seed,
                  "cores": os.cpu_count(), "sets": {}}

        print(f"{args.engine} through {binary} probe --transcribe ({result['binary_version'] or 'unknown version'})"
              + (f", model {args.model}" if args.model else ""), file=out)
        print(f"{len(english)} English utterances, {sum(wav_seconds(p) for _, p, _ in english):.1f} s of speech; "
              f"threads {','.join(map(str, args.thread_counts))}\n", file=out)

        # Model load first: nothing else is running in the probe then.
        load = measure_model_load(args, binary, work, warmup)
        result["model_load"] = load

        # English conditions, then the first --rtf-files pcm8k files with each other thread count.
        runs = [(condition, condition, english, threads) for condition in conditions]
        if "pcm8k" in conditions:
            subset = english[:args.rtf_files]
            runs += [(f"pcm8k-{extra}t" + (f"-first{len(subset)}" if len(subset) < len(english) else ""), "pcm8k",
                      subset, extra) for extra in args.thread_counts[1:]]
        rows_by = {}
        for key, condition, utterances, count in runs:
            config, fields = write_config(work, key, engine_entry(args, "en", count))
            files = [paths[condition][name] for name, _, _ in utterances]
            reports, figures, _, _ = run_probe(binary, config, [warmup] + files, work, count)
            rows = []
            for (name, _, text), path in zip(utterances, files):
                rows.append(dict(score(text, read_report(reports[os.path.abspath(path)][0])), name=name))
            rows_by[key] = rows
            result["sets"][key] = {"engine_config": "{ " + fields + " }", "summary": summarize(rows, figures, count),
                                   "files": rows}
            if key != condition:  # the same audio with another thread count: is it the same text?
                same = sum(a["text"] == b["text"] for a, b in zip(rows, rows_by[condition]))
                result["sets"][key]["summary"]["same_text_as_" + condition] = same

        # Print: each reference beside its hypotheses.
        if conditions:
            for i, (name, path, text) in enumerate(english):
                first = rows_by[conditions[0]][i]
                fixes = REFERENCE_FIXES["en"].get(name)
                fixed = f" (reference corrected: {', '.join(f'{a}→{b}' for a, b in fixes)})" if fixes else ""
                print(f"{name} ({first['audio_seconds']:.1f} s){fixed}", file=out)
                print(f"  {'ref':>6}  {first['ref_norm']}", file=out)
                for condition in conditions:
                    row = rows_by[condition][i]
                    if row["edits"] == 0 and not row["error"]:
                        print(f"  {condition:>6}  = ({row['ref_words']} words, no error)", file=out)
                        continue
                    print(f"  {condition:>6}  {row['hyp_norm'] or '(nothing)'}", file=out)
                    print(f"  {'':>6}  WER {row['wer']:.0%} ({row['edits']}/{row['ref_words']}): {row['errors']}"
                          + (f"  ERROR {row['error']}" if row["error"] else ""), file=out)
            print(file=out)

        # Silence.
        if silence:
            config, fields = write_config(work, "silence", engine_entry(args, "en", threads))
            files = [p for p, _ in silence.values()]
            reports, figures, _, _ = run_probe(binary, config, [warmup] + files, work, threads)
            rows = []
            print("No speech (any transcript is a failure):", file=out)
            for name, (path, what) in silence.items():
                got = read_report(reports[os.path.abspath(path)][0])
                got.update(name=name, what=what, spoke=bool(got["text"].strip()))
                rows.append(got)
                print(f"  {'FAIL' if got['spoke'] else 'ok':>4}  {name:<22} {got['audio_seconds']:5.1f} s  "
                      + (repr(got["text"].strip()) if got["spoke"] else "(no transcript)")
                      + (f"  ERROR {got['error']}" if got["error"] else ""), file=out)
            audio = sum(r["audio_seconds"] for r in rows)
            result["sets"]["silence"] = {"engine_config": "{ " + fields + " }", "summary": {
                "files": len(rows), "with_transcript": sum(r["spoke"] for r in rows),
                "failed": sum(1 for r in rows if r["error"]), "audio_seconds": round(audio, 3),
                "decode_seconds": round(sum(r["decode_seconds"] for r in rows), 3),
                "real_time_factor": sum(r["decode_seconds"] for r in rows) / audio if audio else None,
                "peak_rss_mb": round(figures.get("max_rss_kb", 0) / 1024, 1)}, "files": rows}
            print(file=out)

        # Other languages, language: auto.
        for language, utterances in others.items():
            config, fields = write_config(work, language, engine_entry(args, "auto", threads))
            files = [p for _, p, _ in utterances]
            reports, figures, _, _ = run_probe(binary, config, [warmup] + files, work, threads)
            rows = []
            print(f"{language} with language: auto (reference / hypothesis, accents stripped):", file=out)
            for name, path, text in utterances:
                row = score(text, read_report(reports[os.path.abspath(path)][0]), language)
                row.update(name=name, detected=detected(row["language"]))
                rows.append(row)
                print(f"  {name} ({row['audio_seconds']:.1f} s) detected {row['detected'] or '?'}", file=out)
                print(f"      ref  {row['ref_norm']}", file=out)
                print(f"      hyp  {row['hyp_norm'] or '(nothing)'}", file=out)
                print(f"           WER {row['wer']:.0%} ({row['edits']}/{row['ref_words']})"
                      + (f"  ERROR {row['error']}" if row["error"] else ""), file=out)
            summary = summarize(rows, figures, threads)
            summary["detected"] = {k: sum(1 for r in rows if r["detected"] == k)
                                   for k in sorted({r["detected"] or "none" for r in rows})}
            summary["detected_correctly"] = sum(1 for r in rows if r["detected"] == language)
            result["sets"][language] = {"engine_config": "{ " + fields + " }", "summary": summary, "files": rows}
            print(file=out)

        # Summary table.
        print(f"{'set':<10} {'WER':>6} {'per-file':>8} {'perfect':>8} {'RTF':>6} {'CPU s/s':>7} {'RSS MB':>7} "
              f"{'threads':>7}  other", file=out)
        for key, entry in result["sets"].items():
            s = entry["summary"]
            if key == "silence":
                print(f"{key:<10} {'':>6} {'':>8} {'':>8} {fmt(s['real_time_factor'], '.3f'):>6} {'':>7} "
                      f"{s['peak_rss_mb']:>7.0f} {threads:>7}  {s['with_transcript']}/{s['files']} with a "
                      f"transcript ({'meets' if s['with_transcript'] == 0 else 'misses'} the target: none)", file=out)
                continue
            other = f"{s['failed']} failed" if s["failed"] else ""
            if key in ("pcm8k", "gsm", "phone") and s["wer"] is not None:
                other = ("meets" if s["wer"] <= WER_TARGET else "misses") + f" the {WER_TARGET:.0%} target " + other
            if "same_text_as_pcm8k" in s:
                plural = "" if threads == 1 else "s"
                other = f"{s['same_text_as_pcm8k']}/{s['files']} texts as with {threads} thread{plural} " + other
            if "detected" in s:
                other = f"detected {s['detected_correctly']}/{s['files']} as {key} " \
                        f"({', '.join(f'{k} {v}' for k, v in s['detected'].items())}) " + other
            print(f"{key:<10} {fmt(s['wer'], '.1%'):>6} {fmt(s['mean_file_wer'], '.1%'):>8} "
                  f"{s['files_perfect']:>4}/{s['files']:<3} {fmt(s['real_time_factor'], '.3f'):>6} "
                  f"{fmt(s['cpu_seconds_per_audio_second'], '.3f'):>7} {s['peak_rss_mb']:>7.0f} {s['threads']:>7}  "
                  f"{other}", file=out)
        print(f"model load {load['load_seconds']:.2f} s ({load['load_inside_first_attempt_seconds']:.2f} s of it "
              f"inside the first attempt); peak RSS {load['one_second_clip_rss_mb']:.0f} MB for a 1 s clip, "
              f"{load['probe_without_engine_rss_mb']:.0f} MB for probe without --transcribe", file=out)
        result["run_seconds"] = round(time.monotonic() - started, 1)
        result["load_average"] = {"before": [round(x, 2) for x in load_before],
                                  "after": [round(x, 2) for x in os.getloadavg()]}
        print(f"{result['run_seconds']:.0f} s in all; load average {load_before[0]:.2f} before, "
              f"{os.getloadavg()[0]:.2f} after (RTF counts wall time: other work on the machine inflates it)",
              file=out)
        if args.json:
            print(json.dumps(result, indent=2, ensure_ascii=False))
    finally:
        if args.keep:
            print(f"audio and configs kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
