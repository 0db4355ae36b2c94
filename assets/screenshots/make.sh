#!/usr/bin/env bash
# Regenerates the window's screenshots from the scenarios, headlessly
# (`socklab gui --script`, see gui/driver.cpp). Run from the repository root
# after a build:   assets/screenshots/make.sh [build-dir]
set -euo pipefail
bin="${1:-build}/bin/socklab"
s=lessons/scenarios
o=assets/screenshots
shot() { xvfb-run -a "$bin" gui "$@"; }

shot --scenario $s/write-write-read-nagle.toml --script "key pgdn; key pgdn; step 4; shot window $o/explorer.png"
shot --size 1920x1080 --scenario $s/write-write-read-nagle.toml \
     --script "key pgdn; key pgdn; key pgdn; step 2; shot ladder $o/ladder-nagle.png; shot timeline $o/timeline.png"
shot --size 1920x1080 --scenario $s/loss-rto.toml \
     --script "select 31; shot ladder $o/ladder-loss.png; shot inspector $o/inspector.png; tab events; shot events $o/events.png"
shot --size 1920x1080 --scenario $s/sticky-merge-late-reader.toml --script "key pgdn; key pgdn; back 2; shot buffers $o/buffers.png"
shot --size 1920x1080 --scenario $s/serial-server-two-clients.toml --script "key pgdn; key pgdn; shot code $o/code.png"
shot --scenario $s/close-time-wait.toml --script "key pgdn; key pgdn; key pgdn; present on; view states; shot states $o/states.png"
shot --scenario $s/write-write-read-nagle.toml --script "set tcp.nodelay=true; present on; view params; shot params $o/params.png"
shot --size 1920x1080 --scenario $s/write-write-read-nagle.toml \
     --script "set tcp.nodelay=true; compare on; window 40 200; event 200; window 40 200; shot ladder $o/before-after.png"
shot --scenario $s/write-write-read-nagle.toml --script "present on; key pgdn; key pgdn; step 2; shot window $o/presentation.png"
shot --scenario $s/write-write-read-nagle.toml --lang zh --script "key pgdn; key pgdn; step 4; shot window $o/zh.png"
shot --script "check echo-server python3 lab/starters/echo-server/echo-server.py; shot window $o/exercise.png"
