#!/usr/bin/env bash
# Installs the Debian packages auris builds, tests and demonstrates with, when missing.
# Does nothing when all are present; uses sudo when not root.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config clang libclang-rt-14-dev
  # audio, DSP, pictures, JSON, HTTP, downloads
  libsndfile1-dev libsoxr-dev libfftw3-dev libcairo2-dev libcjson-dev libcurl4-openssl-dev libssl-dev
  libmicrohttpd-dev
  # neural networks
  libdnnl-dev libopenblas-dev
  # speech recognition (PocketSphinx and its English model, test data and peer binary)
  libpocketsphinx-dev libsphinxbase-dev pocketsphinx-en-us pocketsphinx-testdata pocketsphinx
  # audio made by tests and the demo
  sox libsox-fmt-all espeak-ng flac vorbis-tools
  # references and benchmark peers (Python is never a runtime dependency)
  python3 python3-numpy python3-torch python3-torchaudio python3-flatbuffers time
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
