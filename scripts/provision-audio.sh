#!/usr/bin/env bash
# Provide the audio programs the transcription helper and its tests use:
# espeak-ng (makes the synthetic test recordings), ffmpeg (reads MP3, M4A...) and CMU Sphinx's
# training tools for acoustic adaptation (sphinx_fe, pocketsphinx_mdef_convert, bw, mllr_solve).
#
# Quick when they are there already; as root we install Debian's packages, as anyone else
# we say what is missing (the tests that need them then fail with that message).
set -euo pipefail

missing=()
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
command -v sphinx_fe >/dev/null 2>&1 || missing+=(sphinxbase-utils)
command -v pocketsphinx_mdef_convert >/dev/null 2>&1 || missing+=(pocketsphinx)
[ -x /usr/lib/sphinxtrain/bw ] || command -v bw >/dev/null 2>&1 || missing+=(sphinxtrain)

if [ ${#missing[@]} = 0 ]; then
    echo "audio: using $(command -v espeak-ng), $(command -v ffmpeg) and CMU Sphinx's training tools"
    exit 0
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "audio: installing Debian's ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    exit 0
fi

echo "audio: ${missing[*]} missing; install them (apt-get install ${missing[*]}) for the transcription tests" >&2
exit 1
