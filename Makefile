# Ringback: every task a person does is a target here.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= pipeline.yml

# Debian packages the build and the tests need. Installed when missing (root or sudo).
APT_PACKAGES := libsndfile1-dev libcurl4-openssl-dev libsqlite3-dev libsamplerate0-dev libpocketsphinx-dev \
  pocketsphinx-en-us pkg-config python3-aiosmtpd python3-icalendar sox openssl espeak-ng flite

.PHONY: deps build release run test bench format clean

deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# Processes what is in ./spool, then every new file, writing cards to ./var/outbox/new/ (Ctrl-C stops).
run: release
	mkdir -p spool var
	.build/release/ringback watch --config $(CONFIG)

# Watcher latency (.txt rename -> card) over 200 messages, then 60 s of idle CPU. Figures go in the README.
bench: release
	/usr/bin/python3 bench/watch_latency.py --binary .build/release/ringback --messages 200 --idle 60

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build
