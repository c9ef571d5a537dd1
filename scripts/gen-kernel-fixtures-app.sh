#!/usr/bin/env bash
# Generates kernel-made fixtures for the application-context and handshake rules:
# fixtures/kernel/NAME.pcap and NAME.client.json, like scripts/gen-kernel-fixtures.sh.
#
# Two throw-away network namespaces joined by a veth pair; tcpdump captures on the client's
# veth; scripts/kernel-fixtures/app-peer.mjs (and python3 for the never-accepting server)
# play the applications and record what each client saw.
#
# Usage (as root; needs iproute2, iptables, tcpdump, node >= 20, python3):
#   bash scripts/gen-kernel-fixtures-app.sh                    # every scenario
#   bash scripts/gen-kernel-fixtures-app.sh accept-queue-full  # only this one
#   bash scripts/gen-kernel-fixtures-app.sh --list
#
# Addresses (inside the namespaces only): client 10.98.0.1/24, server 10.98.0.2/24.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEER="$ROOT/scripts/kernel-fixtures/app-peer.mjs"
OUT_DIR="$ROOT/fixtures/kernel"

CLI4=10.98.0.1
SRV4=10.98.0.2
CLI_MAC=02:00:0a:62:00:01
SRV_MAC=02:00:0a:62:00:02
CLI_IF=wwac0
SRV_IF=wwas0

BACKLOG_PORT=8090
TLS_PORT=8443
# The openssl/curl/python/java clients of the TLS scenarios need these too.
READY_TIME_LIMIT=10
SETTLE_AFTER_CLIENTS=1

RECORDED_SYSCTLS=(
  net.ipv4.tcp_synack_retries
  net.ipv4.tcp_abort_on_overflow
  net.ipv4.tcp_syncookies
  net.core.somaxconn
  net.ipv4.tcp_syn_retries
  net.ipv4.tcp_retries2
)

SCENARIOS=(accept-queue-full tls-reset-sni tls-protocol-version tls-no-shared-cipher tls-wrong-sni tls-untrusted-cert tls12-untrusted-cert app-postgresql-refused app-http-503 app-smtp-554 pmtu-blackhole)

declare -A DESCRIPTION=(
  [accept-queue-full]="A python3 server listens with backlog 1 and never calls accept(). Before the capture, one connection sits in its accept queue. Then the server's firewall holds back the clients' ACKs for 0.5 s (this kernel has no netem to delay them) while two clients connect, so both SYNs find room and get a SYN-ACK; when the ACKs pass, the first fills the accept queue and the server ignores the second client's ACK and request (net.ipv4.tcp_abort_on_overflow=0). The capture leaves out the first client (port 40009): it shows only the client that met the full queue. Linux 6.18 did not retransmit the SYN-ACK here; the client, connected from its side, retransmitted its request unanswered until its application timed out."
  [tls-protocol-version]="openssl s_server accepts TLS 1.2 at most (-no_tls1_3); five clients in turn (openssl s_client, curl, Python ssl, Node.js, Java) offer only TLS 1.3. The server answers each ClientHello with a fatal protocol_version alert and closes; each client's printed error is recorded."
  [tls-no-shared-cipher]="openssl s_server allows TLS 1.2 with the single suite AES256-SHA; five clients offer TLS 1.2 with ECDHE-RSA-AES128-GCM-SHA256 only. The server answers with a fatal handshake_failure alert (no shared cipher)."
  [tls-wrong-sni]="openssl s_server serves tls.wirewhy.test and sends a fatal alert for any other name (-servername_fatal); five clients ask for wrong.wirewhy.test. The server answers with a fatal unrecognized_name alert."
  [tls-untrusted-cert]="openssl s_server (TLS 1.3) presents a self-signed certificate for tls.wirewhy.test; four verifying clients (openssl s_client -verify_return_error, curl, Python, Java) reject it. OpenSSL 3 (s_client, curl, Python) has not yet switched its writing to the handshake keys when it checks the certificate, so its unknown_ca alert goes out in plaintext; Java sends a ChangeCipherSpec and one 35-byte encrypted record (its alert, padded) instead of its Finished, then closes. Node.js is left out: it verifies only after the handshake has completed, so its wire shows a finished handshake and a close."
  [tls12-untrusted-cert]="The same self-signed certificate with the server limited to TLS 1.2 (-no_tls1_3): the verifying clients reject it with a plaintext alert (unknown_ca from OpenSSL-based clients, certificate_unknown from Java) and close."
  [app-postgresql-refused]="A python3 server speaking the PostgreSQL startup protocol on 5432: psql (PGPASSWORD set) is asked for a password and refused with FATAL 28P01; a second psql is refused at once with FATAL 28000 (no pg_hba.conf entry). The server closes after each ErrorResponse; psql's printed error is recorded, and the client's port is the one the server saw."
  [app-http-503]="A python3 server answers every request with 503 Service Unavailable and Connection: close, as a gateway without a back end does; curl --fail prints its error 22."
  [app-smtp-554]="A python3 server greets with 554 5.7.1 (client host rejected); Python's smtplib raises SMTPConnectError and closes the connection."
  [pmtu-blackhole]="Three namespaces: client, router, server. The router forwards between two veth pairs; its link toward the client has MTU 1280 while every other link has 1500, so the client advertises MSS 1460. The router's firewall drops the ICMP fragmentation-needed it would send (iptables OUTPUT icmp-type fragmentation-needed DROP). The server (python3, tcp_retries2=4) answers a request with a 200-byte header, then 5000 bytes: its 1448-byte segments (1500-byte packets, DF set) die at the router, the last 656-byte segment gets through and the client selectively acknowledges it. The capture is on the server's veth. The client's application waits until its own timeout."
  [tls-reset-sni]="A node:tls client connects with servername tls-reset.wirewhy.test; the server accepts, never reads the ClientHello, and closes after 0.3 s, so its kernel resets the connection (unread data)."
)

SUFFIX="$$-$RANDOM"
RUN_INDEX=0
CLI_NS=""
RTR_NS=""
# Where tcpdump runs, when not on the client's veth (set by a scenario's prepare step).
CAPTURE_NS=""
CAPTURE_IF=""
SRV_NS=""
TCPDUMP_PID=""
SERVER_PID=""
WORK=""
CLIENT_PIDS=()

LOG_TAG=gen-kernel-fixtures-app
# shellcheck source=kernel-fixtures/lib.sh
source "$ROOT/scripts/kernel-fixtures/lib.sh"

teardown_scenario() {
  local pid
  for pid in "${CLIENT_PIDS[@]}"; do stop_pid "$pid" TERM; done
  CLIENT_PIDS=()
  stop_pid "$TCPDUMP_PID" INT
  TCPDUMP_PID=""
  stop_pid "$SERVER_PID" TERM
  SERVER_PID=""
  [[ -n "$CLI_NS" ]] && ip netns del "$CLI_NS" 2>/dev/null || true
  [[ -n "$RTR_NS" ]] && ip netns del "$RTR_NS" 2>/dev/null || true
  RTR_NS=""
  CAPTURE_NS=""
  CAPTURE_IF=
  [[ -n "$SRV_NS" ]] && ip netns del "$SRV_NS" 2>/dev/null || true
  CLI_NS=""
  SRV_NS=""
}


setup_network() {
  RUN_INDEX=$((RUN_INDEX + 1))
  CLI_NS="ww-app-cli-$SUFFIX-$RUN_INDEX"
  SRV_NS="ww-app-srv-$SUFFIX-$RUN_INDEX"
  ip netns add "$CLI_NS"
  ip netns add "$SRV_NS"
  ip -n "$CLI_NS" link add "$CLI_IF" address "$CLI_MAC" type veth peer name "$SRV_IF" address "$SRV_MAC" netns "$SRV_NS"
  local ns ifname addr peer peer_mac
  for side in cli srv; do
    if [[ $side == cli ]]; then ns=$CLI_NS ifname=$CLI_IF addr=$CLI4 peer=$SRV4 peer_mac=$SRV_MAC
    else ns=$SRV_NS ifname=$SRV_IF addr=$SRV4 peer=$CLI4 peer_mac=$CLI_MAC; fi
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$addr/24" dev "$ifname"
    ip -n "$ns" link set "$ifname" up
    # Static neighbours: no ARP before the first packet.
    ip -n "$ns" neigh replace "$peer" lladdr "$peer_mac" dev "$ifname" nud permanent
  done
}

# RECORDED_SYSCTLS read from the server namespace (the listener's settings matter here).
server_sysctls_json() {
  local name value json="{" sep=""
  for name in "${RECORDED_SYSCTLS[@]}"; do
    value=$(in_srv sysctl -n "$name" 2>/dev/null) || continue
    [[ $value =~ ^-?[0-9]+$ ]] || value="\"$value\""
    json+="$sep\"$name\": $value"
    sep=", "
  done
  printf '%s}' "$json"
}

# start_capture FILE [extra filter]
start_capture() {
  : >"$WORK/tcpdump.err"
  ip netns exec "${CAPTURE_NS:-$CLI_NS}" tcpdump -i "${CAPTURE_IF:-$CLI_IF}" -U --immediate-mode -s 262144 -Z root -w "$1" "ip and host $CLI4 and host $SRV4 and tcp${2:+ and $2}" 2>"$WORK/tcpdump.err" &
  TCPDUMP_PID=$!
  wait_for "tcpdump to listen" "$READY_TIME_LIMIT" grep -q "listening on" "$WORK/tcpdump.err"
}

stop_capture() {
  stop_pid "$TCPDUMP_PID" INT
  TCPDUMP_PID=""
  grep -E "packets (captured|dropped by kernel)" "$WORK/tcpdump.err" | tr '\n' ' ' >&2 || true
  echo >&2
}

# client COMMAND OPTIONS... in the background, bounded by timeout(1).
start_client() {
  timeout --kill-after=5 60 ip netns exec "$CLI_NS" node "$PEER" "$@" --out "$RECORDS" >&2 &
  CLIENT_PIDS+=($!)
}

wait_clients() {
  local pid status=0
  for pid in "${CLIENT_PIDS[@]}"; do wait "$pid" || status=$?; done
  CLIENT_PIDS=()
  ((status == 0)) || die "a client failed (exit status $status)"
}

# ------------------------------------------------------------------ scenarios

prepare_accept_queue_full() {
  in_srv sysctl -qw net.ipv4.tcp_synack_retries=2 net.ipv4.tcp_abort_on_overflow=0
  [[ $(in_srv sysctl -n net.ipv4.tcp_abort_on_overflow) == 0 ]] || die "tcp_abort_on_overflow is not 0"
  local ready="$WORK/server.ready"
  rm -f "$ready"
  ip netns exec "$SRV_NS" python3 -c "
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('$SRV4', $BACKLOG_PORT))
s.listen(1)  # backlog 1, and accept() is never called
open('$ready', 'w').write('ready\n')
time.sleep(120)
" >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  wait_for "server to listen" "$READY_TIME_LIMIT" test -e "$ready"
  # One connection waits in the accept queue before the capture starts (its record is not kept).
  local filler_records=$RECORDS
  RECORDS="$WORK/filler.records"
  start_client request --local "$CLI4:40008" --remote "$SRV4:$BACKLOG_PORT" --send 'filler' --timeout 40000
  RECORDS=$filler_records
  wait_for "the filler connection" "$READY_TIME_LIMIT" connected_from 40008
  sleep 0.3
}
capture_filter_accept_queue_full() { echo "not port 40008 and not port 40009"; }
# connected_from PORT: the client namespace has an established socket from that port.
connected_from() { [[ -n $(in_cli ss -Htn state established "( sport = :$1 )") ]]; }
run_accept_queue_full() {
  # Hold back the clients' ACKs (and requests) so both SYNs find room in the accept queue.
  in_srv iptables -w 5 -I INPUT -p tcp --dport "$BACKLOG_PORT" --tcp-flags SYN,ACK,FIN,RST ACK -j DROP
  local main_records=$RECORDS
  RECORDS="$WORK/completer.records"
  start_client request --local "$CLI4:40009" --remote "$SRV4:$BACKLOG_PORT" --send 'completer' --timeout 40000
  wait_for "the completer's SYN-ACK" "$READY_TIME_LIMIT" connected_from 40009
  RECORDS=$main_records
  start_client request --local "$CLI4:40001" --remote "$SRV4:$BACKLOG_PORT" \
    --send 'GET /slow HTTP/1.1\r\nHost: backlog.wirewhy.test\r\n\r\n' --timeout 20000
  wait_for "the client's SYN-ACK" "$READY_TIME_LIMIT" connected_from 40001
  # The completer's retransmitted request arrives first and takes the last place in the queue.
  sleep 0.3
  in_srv iptables -w 5 -D INPUT -p tcp --dport "$BACKLOG_PORT" --tcp-flags SYN,ACK,FIN,RST ACK -j DROP
  # Only the client under study; the filler and completer stay connected until teardown.
  local pid=${CLIENT_PIDS[-1]}
  wait "$pid" || die "client failed"
  unset 'CLIENT_PIDS[-1]'
}

prepare_tls_reset_sni() {
  local ready="$WORK/server.ready"
  rm -f "$ready"
  ip netns exec "$SRV_NS" node "$PEER" unread-reset --listen "$SRV4:$TLS_PORT" --ready "$ready" --hold 300 >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  wait_for "server to listen" "$READY_TIME_LIMIT" test -e "$ready"
}
run_tls_reset_sni() {
  start_client tls-hello --local "$CLI4:40001" --remote "$SRV4:$TLS_PORT" --servername tls-reset.wirewhy.test --timeout 10000
  wait_clients
}

# ------------------------------------------------------------------ TLS handshake failures

TLS_NAME=tls.wirewhy.test
TLS_CLIENT_PY="$ROOT/scripts/kernel-fixtures/tls-client.py"
TLS_CLIENT_JAVA="$ROOT/scripts/kernel-fixtures/TlsClient.java"

# A self-signed certificate for TLS_NAME, made once per run in the work folder.
tls_certificate() {
  [[ -s "$WORK/cert.pem" ]] && return 0
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$TLS_NAME" -addext "subjectAltName=DNS:$TLS_NAME" \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
}

# start_tls_server S_SERVER_OPTIONS...: openssl s_server on SRV4:TLS_PORT, until teardown.
start_tls_server() {
  tls_certificate
  : >"$WORK/server.log"
  ip netns exec "$SRV_NS" openssl s_server -accept "$SRV4:$TLS_PORT" -cert "$WORK/cert.pem" -key "$WORK/key.pem" -www "$@" \
    </dev/null >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  wait_for "s_server to listen" "$READY_TIME_LIMIT" grep -q ACCEPT "$WORK/server.log"
}

# printed_client WHAT LOCAL_PORT COMMAND...: runs one command-line client in the client
# namespace (bounded), and records what it printed and its exit status.
printed_client() {
  local what=$1 port=$2 status=0
  shift 2
  timeout --kill-after=5 20 ip netns exec "$CLI_NS" "$@" >"$WORK/printed" 2>&1 </dev/null || status=$?
  node "$PEER" printed --what "$what" --local "$CLI4:$port" --remote "$SRV4:$TLS_PORT" --exit "$status" --printed-file "$WORK/printed" --out "$RECORDS" >&2
}

# tls_clients SNI VERIFY(yes|no) MIN MAX CIPHERS(openssl names) JAVA_PROTOCOLS JAVA_SUITES [no-node]
# Five clients, one after another, from ports 40001-40005.
tls_clients() {
  local sni=$1 verify=$2 min=$3 max=$4 ciphers=$5 jproto=$6 jsuites=$7 node_too=${8:-node}
  local ossl=() curl_opts=() pymin=- pymax=- nodev=()
  [[ $min == 1.3 ]] && ossl+=(-tls1_3) curl_opts+=(--tlsv1.3) pymin=TLSv1_3 nodev+=(--min-version TLSv1.3)
  [[ $max == 1.2 ]] && ossl+=(-tls1_2) curl_opts+=(--tls-max 1.2) pymax=TLSv1_2 nodev+=(--max-version TLSv1.2)
  if [[ $ciphers != - ]]; then ossl+=(-cipher "$ciphers") curl_opts+=(--ciphers "$ciphers") nodev+=(--ciphers "$ciphers"); fi
  if [[ $verify == yes ]]; then ossl+=(-verify_return_error -verify_hostname "$sni"); else curl_opts+=(-k); fi
  printed_client openssl-s_client 40001 openssl s_client -connect "$SRV4:$TLS_PORT" -bind "$CLI4:40001" -servername "$sni" "${ossl[@]}"
  printed_client curl 40002 curl -sS -o /dev/null --interface "$CLI4" --local-port 40002 --resolve "$sni:$TLS_PORT:$SRV4" "${curl_opts[@]}" "https://$sni:$TLS_PORT/"
  printed_client python-ssl 40003 python3 "$TLS_CLIENT_PY" "$SRV4" "$TLS_PORT" "$CLI4" 40003 "$sni" "$pymin" "$pymax" "$ciphers" "$verify"
  if [[ $node_too == node ]]; then
    timeout --kill-after=5 20 ip netns exec "$CLI_NS" node "$PEER" tls-client --local "$CLI4:40004" --remote "$SRV4:$TLS_PORT" \
      --servername "$sni" --verify "$verify" "${nodev[@]}" --out "$RECORDS" >&2
  fi
  printed_client java-jsse 40005 java "$TLS_CLIENT_JAVA" "$SRV4" "$TLS_PORT" "$CLI4" 40005 "$sni" "$jproto" "$jsuites" "$([[ $verify == yes ]] && echo verify || echo trust-all)"
}

prepare_tls_protocol_version() { start_tls_server -no_tls1_3; }
run_tls_protocol_version() { tls_clients "$TLS_NAME" no 1.3 - - TLSv1.3 -; }

prepare_tls_no_shared_cipher() { start_tls_server -no_tls1_3 -cipher AES256-SHA; }
run_tls_no_shared_cipher() { tls_clients "$TLS_NAME" no - 1.2 ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256; }

prepare_tls_wrong_sni() { tls_certificate; start_tls_server -servername "$TLS_NAME" -servername_fatal -cert2 "$WORK/cert.pem" -key2 "$WORK/key.pem"; }
run_tls_wrong_sni() { tls_clients wrong.wirewhy.test no - - - - -; }

prepare_tls_untrusted_cert() { start_tls_server; }
run_tls_untrusted_cert() { tls_clients "$TLS_NAME" yes - - - - - no-node; }

prepare_tls12_untrusted_cert() { start_tls_server -no_tls1_3; }
run_tls12_untrusted_cert() { tls_clients "$TLS_NAME" yes - - - - - no-node; }

# ------------------------------------------------------------------ application refusals

REFUSING_SERVER="$ROOT/scripts/kernel-fixtures/refusing-server.py"

# start_refusing_server KIND PORT
start_refusing_server() {
  local ready="$WORK/server.ready"
  rm -f "$ready"
  : >"$WORK/peers"
  ip netns exec "$SRV_NS" python3 "$REFUSING_SERVER" "$1" "$SRV4" "$2" "$ready" "$WORK/peers" >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  wait_for "server to listen" "$READY_TIME_LIMIT" test -e "$ready"
}

# app_client WHAT PORT APP_ERROR COMMAND...: a client whose source port the server records (psql
# cannot choose it); what it printed, its exit status and the error code the server sent.
app_client() {
  local what=$1 port=$2 code=$3 status=0 before
  shift 3
  before=$(wc -l <"$WORK/peers")
  timeout --kill-after=5 20 ip netns exec "$CLI_NS" "$@" >"$WORK/printed" 2>&1 </dev/null || status=$?
  local local_port
  local_port=$(sed -n "$((before + 1))p" "$WORK/peers")
  [[ -n $local_port ]] || die "the server saw no connection from $what"
  node "$PEER" printed --what "$what" --local "$CLI4:$local_port" --remote "$SRV4:$port" --exit "$status" --printed-file "$WORK/printed" --app-error "$code" --out "$RECORDS" >&2
}

prepare_app_postgresql_refused() { start_refusing_server postgresql-password 5432; }
run_app_postgresql_refused() {
  app_client psql 5432 28P01 env PGPASSWORD=wrong PGCONNECT_TIMEOUT=5 psql "host=$SRV4 port=5432 user=app dbname=shop sslmode=disable" -c 'select 1'
  stop_pid "$SERVER_PID" TERM
  start_refusing_server postgresql-hba 5432
  app_client psql 5432 28000 env PGCONNECT_TIMEOUT=5 psql "host=$SRV4 port=5432 user=app dbname=shop sslmode=prefer" -c 'select 1'
}

prepare_app_http_503() { start_refusing_server http-503 8080; }
run_app_http_503() {
  app_client curl 8080 503 curl -sS --fail -o /dev/null --interface "$CLI4" --local-port 40001 "http://$SRV4:8080/api/orders"
}

prepare_app_smtp_554() { start_refusing_server smtp-554 25; }
run_app_smtp_554() {
  app_client python-smtplib 25 554 python3 -c "
import smtplib
try:
    smtplib.SMTP('$SRV4', 25, source_address=('$CLI4', 40001), timeout=10)
    print('ok')
except Exception as e:
    print(f'{type(e).__module__}.{type(e).__name__}: {e}')
    raise SystemExit(1)
"
}

# ------------------------------------------------------------------ path MTU black hole

RTR_CLI_MAC=02:00:0a:62:00:fe
RTR_SRV_MAC=02:00:0a:62:00:fd

# Client <-> router <-> server instead of the direct veth: host routes and static neighbours on
# each side (no ARP), forwarding in the router, MTU 1280 on the router's link toward the client.
route_through_router() {
  RTR_NS="ww-app-rtr-$SUFFIX-$RUN_INDEX"
  ip netns add "$RTR_NS"
  ip -n "$CLI_NS" link del "$CLI_IF"
  ip -n "$CLI_NS" link add "$CLI_IF" address "$CLI_MAC" type veth peer name wwar0 address "$RTR_CLI_MAC" netns "$RTR_NS"
  ip -n "$SRV_NS" link add "$SRV_IF" address "$SRV_MAC" type veth peer name wwar1 address "$RTR_SRV_MAC" netns "$RTR_NS"
  ip -n "$CLI_NS" addr add "$CLI4/32" dev "$CLI_IF"
  ip -n "$CLI_NS" link set "$CLI_IF" up
  ip -n "$CLI_NS" route add "$SRV4/32" dev "$CLI_IF"
  ip -n "$CLI_NS" neigh replace "$SRV4" lladdr "$RTR_CLI_MAC" dev "$CLI_IF" nud permanent
  ip -n "$SRV_NS" addr add "$SRV4/32" dev "$SRV_IF"
  ip -n "$SRV_NS" link set "$SRV_IF" up
  ip -n "$SRV_NS" route add "$CLI4/32" dev "$SRV_IF"
  ip -n "$SRV_NS" neigh replace "$CLI4" lladdr "$RTR_SRV_MAC" dev "$SRV_IF" nud permanent
  ip netns exec "$RTR_NS" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.disable_ipv6=1
  ip -n "$RTR_NS" link set lo up
  ip -n "$RTR_NS" addr add 10.98.1.254/24 dev wwar0
  ip -n "$RTR_NS" addr add 10.98.2.254/24 dev wwar1
  ip -n "$RTR_NS" link set wwar0 mtu 1280 up
  ip -n "$RTR_NS" link set wwar1 up
  ip -n "$RTR_NS" route add "$CLI4/32" dev wwar0
  ip -n "$RTR_NS" route add "$SRV4/32" dev wwar1
  ip -n "$RTR_NS" neigh replace "$CLI4" lladdr "$CLI_MAC" dev wwar0 nud permanent
  ip -n "$RTR_NS" neigh replace "$SRV4" lladdr "$SRV_MAC" dev wwar1 nud permanent
  ip netns exec "$RTR_NS" iptables -w 5 -A OUTPUT -p icmp --icmp-type fragmentation-needed -j DROP
}

prepare_pmtu_blackhole() {
  route_through_router
  CAPTURE_NS=$SRV_NS
  CAPTURE_IF=$SRV_IF
  in_srv sysctl -qw net.ipv4.tcp_retries2=4 net.ipv4.tcp_mtu_probing=0
  local ready="$WORK/server.ready"
  rm -f "$ready"
  ip netns exec "$SRV_NS" python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('$SRV4', 8080))
s.listen(4)
open('$ready', 'w').write('ready\n')
while True:
    c, _ = s.accept()
    c.recv(4096)
    c.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 5000\r\nX-Padding: ' + b'p' * 110 + b'\r\n\r\n')
    time.sleep(0.2)
    c.sendall(b'x' * 5000)
    time.sleep(30)
    c.close()
" >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  wait_for "server to listen" "$READY_TIME_LIMIT" test -e "$ready"
}
run_pmtu_blackhole() {
  start_client request --local "$CLI4:40001" --remote "$SRV4:8080" --send 'GET /report.bin HTTP/1.1\r\nHost: mtu.wirewhy.test\r\n\r\n' --timeout 12000
  wait_clients
}

# ------------------------------------------------------------------ driver

generate() {
  local name=$1 fn=${1//-/_}
  local pcap="$OUT_DIR/$name.pcap" json="$OUT_DIR/$name.client.json" tmp_pcap="$WORK/$name.pcap"
  log "scenario $name"
  RECORDS="$WORK/$name.records"
  : >"$RECORDS"
  setup_network
  "prepare_$fn"
  local extra=""
  declare -F "capture_filter_$fn" >/dev/null && extra=$("capture_filter_$fn")
  start_capture "$tmp_pcap" "$extra"
  "run_$fn"
  sleep "$SETTLE_AFTER_CLIENTS"
  stop_capture
  node "$PEER" assemble --scenario "$name" --description "${DESCRIPTION[$name]}" --kernel "$(uname -r)" \
    --sysctls "$(server_sysctls_json)" --records "$RECORDS" --out "$json"
  teardown_scenario
  mv "$tmp_pcap" "$pcap"
  chmod 0644 "$pcap" "$json"
  log "wrote fixtures/kernel/$name.pcap ($(stat -c %s "$pcap") bytes) and $name.client.json"
}

main() {
  if [[ ${1:-} == --list ]]; then
    printf '%s\n' "${SCENARIOS[@]}"
    return 0
  fi
  [[ $EUID -eq 0 ]] || die "must run as root (network namespaces, iptables, tcpdump)"
  local tool
  for tool in ip iptables tcpdump node python3 timeout openssl curl java; do command -v "$tool" >/dev/null || die "$tool not found"; done
  local selected=("$@") name known k
  ((${#selected[@]})) || selected=("${SCENARIOS[@]}")
  for name in "${selected[@]}"; do
    known=0
    for k in "${SCENARIOS[@]}"; do [[ $k == "$name" ]] && known=1; done
    ((known)) || die "unknown scenario '$name' (try --list)"
  done
  WORK=$(mktemp -d /tmp/ww-kernel-fixtures-app.XXXXXX)
  trap cleanup EXIT INT TERM
  mkdir -p "$OUT_DIR"
  for name in "${selected[@]}"; do generate "$name"; done
}

main "$@"
