# Ringback: every task a person does is a target here.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= pipeline.yml

# Debian packages the build and the tests need. Installed when missing (root or sudo).
# cmake, build-essential and python3-venv build whisper.cpp and fetch its pinned sources; asterisk-core-sounds-en-wav
# is real recorded speech for the offline engine's tests.
# python3-jsonschema checks webhook payloads against docs/webhooks.schema.json in the tests.
# postgresql-15: the tests start their own server (initdb in a temporary folder, a free loopback port) for the shared
# ledger; iproute2 cuts a node off from it in a network namespace.
APT_PACKAGES := libsndfile1-dev libmp3lame-dev libcurl4-openssl-dev libsqlite3-dev libsamplerate0-dev pkg-config \
  cmake build-essential python3-venv python3-aiosmtpd python3-icalendar python3-jsonschema sox openssl espeak-ng flite time \
  asterisk-core-sounds-en-wav postgresql-15 iproute2
# Spanish and French prompts for the language-detection figures of `make bench`.
BENCH_PACKAGES := asterisk-core-sounds-es-wav asterisk-core-sounds-fr-wav

.PHONY: deps apt whisper build release run test faults bench card-preview format format-check clean distclean

# Everything a build, a run and the tests need, installed once: apt packages, whisper.cpp built from its pinned
# source package into .deps/, and the Whisper base model converted into models/ (82 MB, weights in 8-bit blocks; both ignored by git).
deps: apt whisper

apt:
	@missing=$$(for p in $(APT_PACKAGES) $(EXTRA_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

whisper: apt
	contrib/whisper/install.sh library
	contrib/whisper/install.sh model

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# Processes what is in ./spool, then every new file, writing cards to ./var/outbox/new/ (Ctrl-C stops).
run: release
	mkdir -p spool var
	.build/release/ringback watch --config $(CONFIG)

# Every figure in the README's "Measured" section, from one command:
#  - watcher latency (.txt rename -> card) over 200 messages, then 60 s of idle CPU;
#  - the offline whisper engine on real recorded speech (Debian's Asterisk prompts): word error rate at 8 kHz PCM,
#    WAV49/GSM and a telephone channel, the silence set, Spanish and French language detection, real-time factor on
#    1 and 2 cores, peak RSS and model load time, each reference beside its hypothesis;
#  - a 30-second real voicemail through `watch` with the offline engine: time to card and watch's peak RSS;
#  - one 60-minute voicemail through the OpenAI-compatible path (parts <= 25 MiB, peak RSS) and 10 minutes through
#    the offline engine (bench/long_voicemail.py --offline for the full hour);
#  - 2,000 voicemails through ringback reprocess against a shell pipeline (sox + curl + curl smtp) and curl alone,
#    with the attachment as MP3, WAV and none, and without transcription, to see what each phase costs;
#  - the shared ledger: voicemails per second and PostgreSQL statements per voicemail with 1 and 3 nodes against one
#    node on SQLite, and the time a surviving node takes over a killed one's work.
bench: EXTRA_PACKAGES = $(BENCH_PACKAGES)
bench: release
	/usr/bin/python3 bench/watch_latency.py --binary .build/release/ringback --messages 200 --idle 60
	/usr/bin/python3 bench/wer.py --binary .build/release/ringback
	/usr/bin/python3 bench/offline_card.py --binary .build/release/ringback --count 5
	/usr/bin/python3 bench/long_voicemail.py --binary .build/release/ringback
	/usr/bin/python3 bench/throughput.py --binary .build/release/ringback --count 2000 --isolate
	/usr/bin/python3 bench/cluster.py --binary .build/release/ringback --count 600

# Sample cards as HTML, and PNG screenshots by Chromium (installed here) at phone and desktop width and in dark mode
# (docs/cards/); fails if the dark screenshot is not a dark rendering of the card.
card-preview: EXTRA_PACKAGES = chromium
card-preview: release
	/usr/bin/python3 contrib/card_preview.py --binary .build/release/ringback --out docs/cards
	/usr/bin/python3 contrib/digest_preview.py --binary .build/release/ringback --out docs/digest

# The fault suite at full size: a crash storm of 25 SIGKILLs over 500 voicemails, the broken-file corpus, SIGTERM
# within shutdown_grace, an SMTP outage, permanent refusals, several processes on one ledger, hostile paths, slow
# writers and a flood of idle connections. (make test runs the same tests with a smaller storm.)
faults: deps
	$(SWIFT) build --build-tests
	RINGBACK_FAULTS=full $(SWIFT) test --skip-build --filter "watchAndTwoReprocess|aSecondWatchStandsBy|aCrashStorm|aCorpusOfBroken|sigtermStops|anSMTPOutage|aFlakyEndpoint|aFullDisk|aPermanentRefusal|aTranscriptionOutage|aMailOutage|hostilePaths|aLedgerDeleted|aSlowWriter|aFloodOfIdle|runningOutOfDescriptors|processesStartedTogether"

# Every test on the SQLite ledger; then the cluster's tests (several ringback processes on PostgreSQL each, so they run
# apart from the rest, whose timeouts they would eat into); then the pipeline's tests (RingbackTests) again on
# PostgreSQL. Each part's output is kept in .build/test-logs; a failed part ends by naming the tests that were running,
# those that failed, and a crash's backtrace (contrib/test_part.py).
test: deps format-check
	$(SWIFT) build --build-tests
	/usr/bin/python3 contrib/test_part.py sqlite -- $(SWIFT) test --skip-build --skip ClusterTests
	/usr/bin/python3 contrib/test_part.py cluster -- $(SWIFT) test --skip-build --filter ClusterTests
	RINGBACK_TEST_LEDGER=postgres /usr/bin/python3 contrib/test_part.py postgres -- $(SWIFT) test --skip-build --filter 'RingbackTests\.'

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

# The committed .swift-format (4 spaces, 160 columns, no force unwraps or force tries), and no folder of
# Sources/Ringback depending back on one that depends on it; `make test` runs both first.
format-check:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift
	/usr/bin/python3 contrib/folder_deps.py --check

clean:
	rm -rf .build

# Also the built whisper.cpp and the model: the next `make deps` downloads and builds them again.
distclean: clean
	rm -rf .deps models
