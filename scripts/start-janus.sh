#!/usr/bin/env bash
# Starts Janus from the installed (Debian) package with spreed-ts's minimal configuration:
# videoroom plugin and WebSocket transport only, no STUN/TURN, WebSocket on a free port.
#
#   scripts/start-janus.sh [--port N] [--ws-ip IP] [--ice-address IP] [--rtp-ports MIN-MAX]
#                          [--debug-level N]
#
# Once Janus accepts WebSocket connections it prints two lines on stdout
#   JANUS_URL=ws://127.0.0.1:PORT
#   JANUS_PID=PID
# (use the URL as `[mcu] url`), then stays in the foreground with Janus's log on stderr until Janus
# exits or the script gets SIGINT/SIGTERM/SIGHUP, which stops Janus (SIGTERM, SIGKILL after 3 s or
# at a further signal) and removes the generated files before the script exits.
#
# --ice-address limits ICE to one local address and writes it into Janus's SDPs. Janus never
# gathers candidates on loopback interfaces, so on a machine without another interface run it in
# a network namespace with an address on a veth (see packages/testkit/src/netns.ts), or give it
# the machine's LAN address. Environment: JANUS_BIN (default janus), JANUS_LIBDIR (default: the
# package's plugin folder, e.g. /usr/lib/x86_64-linux-gnu).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
templates="$here/../packages/testkit/janus"
janus_bin="${JANUS_BIN:-janus}"
port=0
ws_ip=127.0.0.1
ice_address=""
rtp_ports=20000-40000
debug_level=4

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="${2:?}"; shift 2 ;;
    --ws-ip) ws_ip="${2:?}"; shift 2 ;;
    --ice-address) ice_address="${2:?}"; shift 2 ;;
    --rtp-ports) rtp_ports="${2:?}"; shift 2 ;;
    --debug-level) debug_level="${2:?}"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "unknown option: $1" >&2; usage ;;
  esac
done

if ! command -v "$janus_bin" >/dev/null 2>&1; then
  echo "janus not found: install the Debian package (apt-get install janus) or set JANUS_BIN" >&2
  exit 1
fi

libdir="${JANUS_LIBDIR:-}"
if [ -z "$libdir" ]; then
  for candidate in /usr/lib/*/janus /usr/lib/janus /usr/local/lib/janus; do
    if [ -d "$candidate/plugins" ]; then
      libdir="$(dirname "$candidate")"
      break
    fi
  done
fi
if [ -z "$libdir" ] || [ ! -d "$libdir/janus/plugins" ]; then
  echo "Janus plugins not found; set JANUS_LIBDIR (the folder containing janus/plugins)" >&2
  exit 1
fi

if [ "$port" = 0 ]; then
  # Let the kernel pick a free port (node is there: this is a Node project).
  port="$(node -e "const s=require('net').createServer();s.listen(0,'$ws_ip',()=>{console.log(s.address().port);s.close()})")"
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/spreed-janus-XXXXXX")"
janus_pid=""
# Set once the script is on its way out: from then on signals no longer exit (an `exit` in the EXIT
# trap would end the script at once, with Janus still running and its files left behind).
stopping=""

# Exits with $1, which runs cleanup (the EXIT trap) exactly once.
finish() {
  stopping=1
  exit "$1"
}

# SIGINT/SIGTERM/SIGHUP: the first one stops; a later one, while cleanup waits for Janus, only
# hurries it up (SIGKILL to Janus) and cleanup carries on.
on_signal() {
  if [ -z "$stopping" ]; then
    finish "$1"
  fi
  if [ -n "$janus_pid" ] && kill -0 "$janus_pid" 2>/dev/null; then
    kill -KILL "$janus_pid" 2>/dev/null || true
  fi
}

cleanup() {
  local i status
  stopping=1
  # Nothing here may end the script early: with Ctrl-C pressed again the signal also reaches (and
  # fails) the commands run here, which `set -e` would turn into an exit.
  set +e
  # A signal arriving between `janus &` and `janus_pid=$!` still finds Janus: it is the only job
  # (and one that ended and was waited for is no longer listed).
  janus_pid="${janus_pid:-$(jobs -p)}"
  if [ -n "$janus_pid" ]; then
    kill -TERM "$janus_pid" 2>/dev/null || true
    # Janus shuts down within a second; force it after three. Polled rather than left to a
    # background watchdog, which could outlive the script and kill a reused PID later. (The shell
    # reaps Janus as soon as it ends, so `kill -0` fails from then on.)
    for ((i = 0; i < 60; i++)); do
      kill -0 "$janus_pid" 2>/dev/null || break
      sleep 0.05
    done
    if kill -0 "$janus_pid" 2>/dev/null; then
      kill -KILL "$janus_pid" 2>/dev/null || true
    fi
    # Until Janus is really gone: a signal handled meanwhile interrupts `wait` (status > 128 with
    # Janus still there); 127 means it was already reaped.
    while :; do
      status=0
      wait "$janus_pid" 2>/dev/null || status=$?
      if [ "$status" -le 128 ] || ! kill -0 "$janus_pid" 2>/dev/null; then
        break
      fi
    done
    janus_pid=""
  fi
  # Shielded from signals to the process group, so the files go even if Ctrl-C is pressed again.
  (trap '' INT TERM HUP && rm -rf "$dir")
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP

interface_line=""
enforce_line=""
if [ -n "$ice_address" ]; then
  interface_line="interface = \"$ice_address\""
  enforce_line="ice_enforce_list = \"$ice_address\""
fi
for file in janus.jcfg janus.plugin.videoroom.jcfg janus.transport.websockets.jcfg; do
  sed -e "s#@LIBDIR@#$libdir#g" \
    -e "s#@WS_IP@#$ws_ip#g" \
    -e "s#@WS_PORT@#$port#g" \
    -e "s#@RTP_PORTS@#$rtp_ports#g" \
    -e "s#@DEBUG_LEVEL@#$debug_level#g" \
    -e "s#@INTERFACE_LINE@#$interface_line#g" \
    -e "s#@ENFORCE_LINE@#$enforce_line#g" \
    "$templates/$file" >"$dir/$file"
done

# In a session of its own (setsid execs, so the PID stays Janus's): Ctrl-C pressed repeatedly in a
# terminal must reach only this script, which stops Janus; Janus hit by several SIGINTs itself
# aborts in its hurried exit and leaves a core file behind.
setsid=()
if command -v setsid >/dev/null 2>&1; then
  setsid=(setsid)
fi
"${setsid[@]}" "$janus_bin" -F "$dir" -C "$dir/janus.jcfg" -o >&2 &
janus_pid=$!

# Janus ended by itself: collects its status and forgets its PID (which may be reused by now).
janus_ended() {
  local status=0
  wait "$janus_pid" 2>/dev/null || status=$?
  janus_pid=""
  return "$status"
}

for _ in $(seq 1 200); do
  if ! kill -0 "$janus_pid" 2>/dev/null; then
    janus_ended || true
    echo "janus exited during startup" >&2
    finish 1
  fi
  if (exec 3<>"/dev/tcp/$ws_ip/$port") 2>/dev/null; then
    echo "JANUS_URL=ws://$ws_ip:$port"
    echo "JANUS_PID=$janus_pid"
    # A handled signal interrupts `wait` and, via on_signal, exits before the next line.
    status=0
    janus_ended || status=$?
    finish "$status"
  fi
  sleep 0.05
done
echo "janus did not listen on $ws_ip:$port within 10 s" >&2
finish 1
