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
# exits or the script gets SIGINT/SIGTERM, which stops Janus and removes the generated files.
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
cleanup() {
  if [ -n "$janus_pid" ]; then
    kill -TERM "$janus_pid" 2>/dev/null || true
    # Janus shuts down within a second; force it after three.
    (sleep 3 && kill -KILL "$janus_pid" 2>/dev/null) &
    watchdog=$!
    wait "$janus_pid" 2>/dev/null || true
    kill "$watchdog" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

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

"$janus_bin" -F "$dir" -C "$dir/janus.jcfg" -o >&2 &
janus_pid=$!

for _ in $(seq 1 200); do
  if ! kill -0 "$janus_pid" 2>/dev/null; then
    echo "janus exited during startup" >&2
    exit 1
  fi
  if (exec 3<>"/dev/tcp/$ws_ip/$port") 2>/dev/null; then
    echo "JANUS_URL=ws://$ws_ip:$port"
    echo "JANUS_PID=$janus_pid"
    wait "$janus_pid"
    exit $?
  fi
  sleep 0.05
done
echo "janus did not listen on $ws_ip:$port within 10 s" >&2
exit 1
