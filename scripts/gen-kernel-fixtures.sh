#!/usr/bin/env bash
# Generates fixtures/kernel/NAME.pcap and NAME.client.json from real Linux kernel behaviour.
#
# Each scenario gets two throw-away network namespaces (client and server) joined by a
# veth pair. iptables/ip6tables in the server namespace drop or reject; tcpdump captures
# on the client's veth; scripts/kernel-fixtures/peer.mjs acts as server and as client and
# records the errno the client's kernel actually reported.
#
# Usage (as root; needs iproute2, iptables/ip6tables, tcpdump, node >= 20 and python3):
#   bash scripts/gen-kernel-fixtures.sh              # every scenario
#   bash scripts/gen-kernel-fixtures.sh refused mix  # only these
#   bash scripts/gen-kernel-fixtures.sh --list
#
# All traffic stays between addresses inside the namespaces this script creates:
#   client 10.99.0.1/24, fd00:99::1/64   server 10.99.0.2/24, fd00:99::2/64
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEER="$ROOT/scripts/kernel-fixtures/peer.mjs"
RST_RESPONDER="$ROOT/scripts/kernel-fixtures/rst-responder.py"
OUT_DIR="$ROOT/fixtures/kernel"

CLI4=10.99.0.1
SRV4=10.99.0.2
CLI6=fd00:99::1
SRV6=fd00:99::2
CLI_MAC=02:00:0a:63:00:01
SRV_MAC=02:00:0a:63:00:02
CLI_IF=wwc0
SRV_IF=wws0

# Server ports. Nothing listens on CLOSED_TCP or CLOSED_UDP.
ECHO_PORT=8080
RESET_PORT=8081
RESET_AFTER_FIN_PORT=8083
CLOSE_THEN_RESET_PORT=8084
FIREWALLED_PORT=8082
BAD_RESET_PORT=8085
CLOSED_TCP=8088
# An address on the link that nobody holds (host-unreachable scenarios).
UNUSED4=10.99.0.3
UNUSED6=fd00:99::3
CLOSED_UDP=9999
DNS_PORT=53

# Linux defaults, restated so every scenario starts from the same values.
DEFAULT_SYN_RETRIES=6
DEFAULT_RETRIES2=15

# Bounded waits (seconds).
CLIENT_TIME_LIMIT=90
READY_TIME_LIMIT=10
SETTLE_AFTER_CLIENTS=1

# Sysctls read back from the client namespace into NAME.client.json (missing ones skipped).
RECORDED_SYSCTLS=(
  net.ipv4.tcp_syn_retries
  net.ipv4.tcp_syn_linear_timeouts
  net.ipv4.tcp_retries1
  net.ipv4.tcp_retries2
  net.ipv4.tcp_rto_min_us
  net.ipv4.tcp_rto_max_ms
  net.ipv4.tcp_timestamps
  net.ipv4.tcp_sack
  net.ipv4.tcp_window_scaling
  net.ipv4.tcp_ecn
)

# Kernel counters (nstat) read from the client namespace after the run; they start at zero
# in a fresh namespace, so they count this scenario only. TcpExtLockDroppedIcmps counts
# ICMP errors that arrived while the socket was locked by its own task (e.g. during
# connect()); Linux then only records a soft error and keeps retransmitting.
RECORDED_COUNTERS=(
  TcpActiveOpens
  TcpAttemptFails
  TcpEstabResets
  TcpRetransSegs
  TcpExtTCPSynRetrans
  TcpExtTCPLossProbes
  TcpExtTCPTimeouts
  TcpExtTCPAbortOnTimeout
  TcpExtLockDroppedIcmps
  IcmpInDestUnreachs
  Icmp6InDestUnreachs
  UdpInErrors
  UdpNoPorts
  Udp6InErrors
)

# Only traffic between the two hosts: TCP, UDP, ICMP; ICMPv6 without Neighbor Discovery
# (133-137) and MLDv2 reports (143). ip6[40] is the ICMPv6 type when no extension header
# precedes it; MLD carries a hop-by-hop header, so it never matches `icmp6` here anyway.
CAPTURE_FILTER="(ip and host $CLI4 and host $SRV4 and (tcp or udp or icmp))"
CAPTURE_FILTER+=" or (ip6 and host $CLI6 and host $SRV6 and (tcp or udp"
CAPTURE_FILTER+=" or (icmp6 and not (ip6[40] >= 133 and ip6[40] <= 137) and ip6[40] != 143)))"

SCENARIOS=(
  refused
  syn-timeout
  rst-bad-ack
  udp-port-unreachable
  udp-port-unreachable-v6
  reset-midstream
  reset-after-close
  reset-after-own-fin
  data-retrans-abort
  icmp-admin-prohibited
  icmp-host-unreachable
  icmp-net-unreachable
  tcp-reject-port-unreachable
  v6-refused
  v6-admin-prohibited
  dns-nxdomain
  dns-servfail
  dns-timeout
  dns-late-answer
  healthy
  mix
  arp-no-reply
  ndp-no-reply
)

declare -A DESCRIPTION=(
  [refused]="TCP connect to a closed port; the server's kernel answers the SYN with RST,ACK."
  [syn-timeout]="TCP connect to a port whose SYNs the server's firewall drops; the client's kernel retransmits the SYN until tcp_syn_retries is used up."
  [rst-bad-ack]="TCP connect to a port where a raw-socket responder answers every SYN with RST,ACK whose ACK is ISN + 1 + 65536 (it acknowledges nothing the client sent); the server's firewall drops the SYNs so its own kernel never answers. RFC 9293 3.10.7.3: in SYN-SENT such a reset is not acceptable and is dropped."
  [udp-port-unreachable]="Connected UDP socket sends to a closed port; the server answers ICMP port unreachable (type 3 code 3)."
  [udp-port-unreachable-v6]="Connected UDP socket over IPv6 sends to a closed port; the server answers ICMPv6 destination unreachable, port unreachable (type 1 code 4)."
  [arp-no-reply]="TCP connect to an address of the client's own subnet that nobody holds; the client's kernel sends ARP requests that nobody answers, never sends a SYN, and fails the connect with EHOSTUNREACH. The capture also records ARP."
  [ndp-no-reply]="TCP connect over IPv6 to an address of the client's own prefix that nobody holds; the client's kernel sends neighbour solicitations that nobody answers, never sends a SYN, and fails the connect with EHOSTUNREACH. The capture also records Neighbor Discovery."
  [reset-midstream]="Established TCP connection; the server never reads and closes with data unread in its receive buffer, so its kernel sends RST."
  [reset-after-close]="Established TCP connection; the client reads the reply and closes (FIN); once the server's kernel has acknowledged that FIN, the server closes with SO_LINGER 0, so its kernel sends RST instead of FIN. The client had closed: nothing fails."
  [reset-after-own-fin]="Established TCP connection; the server answers the client's request and closes (FIN), then 100 ms later, with that FIN acknowledged, closes again with SO_LINGER 0, so its kernel sends RST. The client had read the reply and the end of stream and writes again 300 ms after the FIN."
  [data-retrans-abort]="Established TCP connection; then the server's firewall drops everything from the client, and the client's kernel retransmits its data with exponential backoff until tcp_retries2 is used up."
  [icmp-admin-prohibited]="TCP SYN rejected by iptables REJECT --reject-with icmp-admin-prohibited (ICMP type 3 code 13)."
  [icmp-host-unreachable]="TCP SYN rejected by iptables REJECT --reject-with icmp-host-unreachable (ICMP type 3 code 1)."
  [icmp-net-unreachable]="TCP SYN rejected by iptables REJECT --reject-with icmp-net-unreachable (ICMP type 3 code 0)."
  [tcp-reject-port-unreachable]="TCP SYN rejected by iptables REJECT --reject-with icmp-port-unreachable (ICMP type 3 code 3)."
  [v6-refused]="IPv6 TCP connect to a closed port; the server's kernel answers the SYN with RST,ACK."
  [v6-admin-prohibited]="IPv6 TCP SYN rejected by ip6tables REJECT --reject-with icmp6-adm-prohibited (ICMPv6 type 1 code 1)."
  [dns-nxdomain]="Raw DNS query (A, no resolver) answered NXDOMAIN (RCODE 3) by the server."
  [dns-servfail]="Raw DNS query (A, no resolver) answered SERVFAIL (RCODE 2) by the server."
  [dns-timeout]="Raw DNS query (A, no resolver) to a server whose firewall drops UDP port 53; two attempts, 2 s apart, no answer."
  [dns-late-answer]="Raw DNS query (A, no resolver) sent twice, 1 s apart, after which the client gives up and closes its socket; the server answers each query 3 s after it, so both answers reach the closed port and the client's kernel bounces them with ICMP port unreachable."
  [healthy]="Negative control: three TCP connections with a request and a reply and a clean FIN close (two IPv4, one IPv6), and a DNS query answered NOERROR with an A record."
  [mix]="Several cases in one capture, in this order: refused connect, SYN timeout (tcp_syn_retries=1), UDP port unreachable, healthy exchange, mid-stream reset."
)

# ------------------------------------------------------------------ state and cleanup

SUFFIX="$$-$RANDOM"
RUN_INDEX=0
CLI_NS=""
SRV_NS=""
TCPDUMP_PID=""
SERVER_PID=""
CLIENT_PID=""
WORK=""

LOG_TAG=gen-kernel-fixtures
# shellcheck source=kernel-fixtures/lib.sh
source "$ROOT/scripts/kernel-fixtures/lib.sh"

teardown_scenario() {
  stop_pid "$CLIENT_PID" TERM
  CLIENT_PID=""
  stop_pid "$TCPDUMP_PID" INT
  TCPDUMP_PID=""
  stop_pid "$SERVER_PID" TERM
  SERVER_PID=""
  # Deleting a namespace removes its veth end, its firewall rules and its sockets' routes.
  [[ -n "$CLI_NS" ]] && ip netns del "$CLI_NS" 2>/dev/null || true
  [[ -n "$SRV_NS" ]] && ip netns del "$SRV_NS" 2>/dev/null || true
  CLI_NS=""
  SRV_NS=""
}

# ------------------------------------------------------------------ building blocks


setup_network() {
  RUN_INDEX=$((RUN_INDEX + 1))
  CLI_NS="ww-cli-$SUFFIX-$RUN_INDEX"
  SRV_NS="ww-srv-$SUFFIX-$RUN_INDEX"
  ip netns add "$CLI_NS"
  ip netns add "$SRV_NS"
  ip -n "$CLI_NS" link add "$CLI_IF" address "$CLI_MAC" type veth \
    peer name "$SRV_IF" address "$SRV_MAC" netns "$SRV_NS"

  local ns ifname addr4 addr6 peer4 peer6 peer_mac
  for side in cli srv; do
    if [[ $side == cli ]]; then
      ns=$CLI_NS ifname=$CLI_IF addr4=$CLI4 addr6=$CLI6 peer4=$SRV4 peer6=$SRV6 peer_mac=$SRV_MAC
    else
      ns=$SRV_NS ifname=$SRV_IF addr4=$SRV4 addr6=$SRV6 peer4=$CLI4 peer6=$CLI6 peer_mac=$CLI_MAC
    fi
    # Quiet IPv6: no router solicitations, no link-local address (and so no DAD for it).
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.router_solicitations=0 \
      net.ipv6.conf.default.router_solicitations=0 "net.ipv6.conf.$ifname.router_solicitations=0"
    ip -n "$ns" link set "$ifname" addrgenmode none
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$addr4/24" dev "$ifname"
    ip -n "$ns" addr add "$addr6/64" dev "$ifname" nodad
    ip -n "$ns" link set "$ifname" up
    # Static neighbours: no ARP or Neighbor Discovery before the first packet, so the
    # capture's first packet is the scenario's first packet.
    ip -n "$ns" neigh replace "$peer4" lladdr "$peer_mac" dev "$ifname" nud permanent
    ip -n "$ns" neigh replace "$peer6" lladdr "$peer_mac" dev "$ifname" nud permanent
  done
  set_client_sysctl net.ipv4.tcp_syn_retries "$DEFAULT_SYN_RETRIES"
  set_client_sysctl net.ipv4.tcp_retries2 "$DEFAULT_RETRIES2"
}

set_client_sysctl() { in_cli sysctl -qw "$1=$2"; }

# Reads RECORDED_SYSCTLS from the client namespace as a JSON object.
client_sysctls_json() {
  local name value json="{" sep=""
  for name in "${RECORDED_SYSCTLS[@]}"; do
    value=$(in_cli sysctl -n "$name" 2>/dev/null) || continue
    [[ $value =~ ^-?[0-9]+$ ]] || value="\"$value\""
    json+="$sep\"$name\": $value"
    sep=", "
  done
  printf '%s}' "$json"
}

# Reads RECORDED_COUNTERS from the client namespace as a JSON object of numbers.
client_counters_json() {
  # -a ignores nstat's history file (shared across namespaces), -s leaves it alone.
  in_cli nstat -asz 2>/dev/null | awk -v wanted="${RECORDED_COUNTERS[*]}" '
    BEGIN { n = split(wanted, names, " "); for (i = 1; i <= n; i++) value[names[i]] = "null" }
    $1 in value { value[$1] = $2 }
    END {
      printf "{"
      for (i = 1; i <= n; i++) printf "%s\"%s\": %s", (i > 1 ? ", " : ""), names[i], value[names[i]]
      printf "}"
    }'
}

srv_iptables() { in_srv iptables -w 5 "$@"; }
srv_ip6tables() { in_srv ip6tables -w 5 "$@"; }

# start_server [peer.mjs server options...]
start_server() {
  local ready="$WORK/server.ready"
  rm -f "$ready"
  ip netns exec "$SRV_NS" node "$PEER" server --ready "$ready" --lifetime 300000 "$@" \
    >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  wait_for "server to listen" "$READY_TIME_LIMIT" test -e "$ready"
}

start_capture() {
  local pcap=$1
  : >"$WORK/tcpdump.err"
  ip netns exec "$CLI_NS" tcpdump -i "$CLI_IF" -U --immediate-mode -s 262144 -Z root \
    -w "$pcap" "${SCENARIO_FILTER:-$CAPTURE_FILTER}" 2>"$WORK/tcpdump.err" &
  TCPDUMP_PID=$!
  wait_for "tcpdump to listen" "$READY_TIME_LIMIT" grep -q "listening on" "$WORK/tcpdump.err"
}

stop_capture() {
  stop_pid "$TCPDUMP_PID" INT
  TCPDUMP_PID=""
  grep -E "packets (captured|dropped by kernel)" "$WORK/tcpdump.err" | tr '\n' ' ' >&2 || true
  echo >&2
}

# start_client COMMAND [peer.mjs client options...]: runs in the background (so a signal
# to this script is handled at once), bounded by CLIENT_TIME_LIMIT; appends one record
# to $RECORDS.
start_client() {
  local command=$1
  shift
  timeout --kill-after=5 "$CLIENT_TIME_LIMIT" \
    ip netns exec "$CLI_NS" node "$PEER" "$command" --out "$RECORDS" "$@" >&2 &
  CLIENT_PID=$!
}

wait_client() {
  local status=0
  wait "$CLIENT_PID" || status=$?
  CLIENT_PID=""
  ((status == 0)) || die "client failed (exit status $status)"
}

# client COMMAND [options...]: one client, start to finish.
client() {
  start_client "$@"
  wait_client
}

ep4() { printf '%s:%s' "$1" "$2"; }
ep6() { printf '[%s]:%s' "$1" "$2"; }

# ------------------------------------------------------------------ scenarios
# prepare_NAME runs before the capture starts (sysctls, firewall, server);
# run_NAME runs the clients while tcpdump captures.

prepare_refused() { start_server --tcp-echo "$(ep4 $SRV4 $ECHO_PORT)"; }
run_refused() {
  client tcp-connect --local "$(ep4 $CLI4 40001)" --remote "$(ep4 $SRV4 $CLOSED_TCP)" --expect ECONNREFUSED
}

prepare_syn_timeout() {
  # Linux 6.x SYN timing as the kernel has it (tcp_syn_linear_timeouts=4): the first RTO
  # (1 s) and 4 more at 1 s, then doubling. The give-up point stays time-based, as if the
  # backoff were purely exponential from 1 s: (2^(tcp_syn_retries+1) - 1) s, checked when
  # an RTO expires. With 3 that is 15 s: retransmissions 1,1,1,1,1,2,4 s apart, ETIMEDOUT at
  # the next expiry about 19 s in. The default 6 (127 s) would end about 131 s in.
  set_client_sysctl net.ipv4.tcp_syn_retries 3
  srv_iptables -A INPUT -p tcp --dport "$FIREWALLED_PORT" --syn -j DROP
  start_server --tcp-listen "$(ep4 $SRV4 $FIREWALLED_PORT)"
}
run_syn_timeout() {
  client tcp-connect --local "$(ep4 $CLI4 40001)" --remote "$(ep4 $SRV4 $FIREWALLED_PORT)" --expect ETIMEDOUT
}

prepare_rst_bad_ack() {
  # (2^(2+1) - 1) = 7 s of retrying instead of the default 127 s.
  set_client_sysctl net.ipv4.tcp_syn_retries 2
  srv_iptables -A INPUT -p tcp --dport "$BAD_RESET_PORT" --syn -j DROP
  local ready="$WORK/responder.ready"
  rm -f "$ready"
  ip netns exec "$SRV_NS" python3 "$RST_RESPONDER" --interface "$SRV_IF" --port "$BAD_RESET_PORT" \
    --ready "$ready" --lifetime 300 >"$WORK/responder.log" 2>&1 &
  SERVER_PID=$!
  wait_for "the reset responder" "$READY_TIME_LIMIT" test -e "$ready"
}
run_rst_bad_ack() {
  client tcp-connect --local "$(ep4 $CLI4 40001)" --remote "$(ep4 $SRV4 $BAD_RESET_PORT)" --expect ETIMEDOUT
}

prepare_udp_port_unreachable() { start_server --dns "$(ep4 $SRV4 $DNS_PORT)"; }
run_udp_port_unreachable() {
  client udp-send --local "$(ep4 $CLI4 40001)" --remote "$(ep4 $SRV4 $CLOSED_UDP)" --expect ECONNREFUSED
}

prepare_udp_port_unreachable_v6() { start_server --dns "$(ep6 $SRV6 $DNS_PORT)"; }
run_udp_port_unreachable_v6() {
  client udp-send --local "$(ep6 $CLI6 40001)" --remote "$(ep6 $SRV6 $CLOSED_UDP)" --expect ECONNREFUSED
}

prepare_reset_midstream() { start_server --tcp-reset "$(ep4 $SRV4 $RESET_PORT)"; }
run_reset_midstream() {
  client tcp-reset --local "$(ep4 $CLI4 40001)" --remote "$(ep4 $SRV4 $RESET_PORT)" --expect ECONNRESET
}

prepare_reset_after_close() { start_server --tcp-reset-after-fin "$(ep4 $SRV4 $RESET_AFTER_FIN_PORT)"; }
run_reset_after_close() {
  client tcp-exchange --local "$(ep4 $CLI4 40001)" --remote "$(ep4 $SRV4 $RESET_AFTER_FIN_PORT)" \
    --send "hello, then goodbye" --close destroy --expect ok
}

prepare_reset_after_own_fin() { start_server --tcp-close-then-reset "$(ep4 $SRV4 $CLOSE_THEN_RESET_PORT)"; }
run_reset_after_own_fin() {
  client tcp-write-after-close --local "$(ep4 $CLI4 40001)" --remote "$(ep4 $SRV4 $CLOSE_THEN_RESET_PORT)" \
    --send "hello, then more" --write-delay 300 --expect EPIPE
}

prepare_data_retrans_abort() {
  # Abort after about 12.6 s of unacknowledged data instead of the default ~15 min.
  set_client_sysctl net.ipv4.tcp_retries2 5
  start_server --tcp-echo "$(ep4 $SRV4 $ECHO_PORT)"
}
run_data_retrans_abort() {
  local established="$WORK/established" go="$WORK/go"
  rm -f "$established" "$go"
  start_client tcp-stall --local "$(ep4 $CLI4 40001)" --remote "$(ep4 $SRV4 $ECHO_PORT)" \
    --established-file "$established" --go-file "$go" --expect ETIMEDOUT
  wait_for "the connection to be established" "$READY_TIME_LIMIT" test -e "$established"
  # From now on nothing from the client reaches the server's TCP: no ACKs come back.
  srv_iptables -A INPUT -s "$CLI4" -p tcp --sport 40001 -j DROP
  touch "$go"
  wait_client
}

prepare_reject() {
  srv_iptables -A INPUT -p tcp --dport "$FIREWALLED_PORT" -j REJECT --reject-with "$1"
  start_server --tcp-listen "$(ep4 $SRV4 $FIREWALLED_PORT)"
}
run_reject() {
  client tcp-connect --local "$(ep4 $CLI4 40001)" --remote "$(ep4 $SRV4 $FIREWALLED_PORT)" --expect "$1"
}
prepare_icmp_admin_prohibited() { prepare_reject icmp-admin-prohibited; }
run_icmp_admin_prohibited() { run_reject EHOSTUNREACH; }
prepare_icmp_host_unreachable() { prepare_reject icmp-host-unreachable; }
run_icmp_host_unreachable() { run_reject EHOSTUNREACH; }
prepare_icmp_net_unreachable() { prepare_reject icmp-net-unreachable; }
run_icmp_net_unreachable() { run_reject ENETUNREACH; }
prepare_tcp_reject_port_unreachable() { prepare_reject icmp-port-unreachable; }
run_tcp_reject_port_unreachable() { run_reject ECONNREFUSED; }

prepare_v6_refused() { start_server --tcp-echo "$(ep6 $SRV6 $ECHO_PORT)"; }
run_v6_refused() {
  client tcp-connect --local "$(ep6 $CLI6 40001)" --remote "$(ep6 $SRV6 $CLOSED_TCP)" --expect ECONNREFUSED
}

prepare_v6_admin_prohibited() {
  srv_ip6tables -A INPUT -p tcp --dport "$FIREWALLED_PORT" -j REJECT --reject-with icmp6-adm-prohibited
  start_server --tcp-listen "$(ep6 $SRV6 $FIREWALLED_PORT)"
}
run_v6_admin_prohibited() {
  client tcp-connect --local "$(ep6 $CLI6 40001)" --remote "$(ep6 $SRV6 $FIREWALLED_PORT)" --expect EACCES
}

prepare_dns_nxdomain() { start_server --dns "$(ep4 $SRV4 $DNS_PORT)"; }
run_dns_nxdomain() {
  client dns-query --local "$(ep4 $CLI4 40053)" --remote "$(ep4 $SRV4 $DNS_PORT)" \
    --name nxdomain.wirewhy.test --id 0x1a01 --expect NXDOMAIN
}

prepare_dns_servfail() { start_server --dns "$(ep4 $SRV4 $DNS_PORT)"; }
run_dns_servfail() {
  client dns-query --local "$(ep4 $CLI4 40053)" --remote "$(ep4 $SRV4 $DNS_PORT)" \
    --name servfail.wirewhy.test --id 0x1a02 --expect SERVFAIL
}

prepare_dns_timeout() {
  srv_iptables -A INPUT -p udp --dport "$DNS_PORT" -j DROP
  start_server --dns "$(ep4 $SRV4 $DNS_PORT)"
}
run_dns_timeout() {
  client dns-query --local "$(ep4 $CLI4 40053)" --remote "$(ep4 $SRV4 $DNS_PORT)" \
    --name ok.wirewhy.test --id 0x1a03 --attempts 2 --attempt-timeout 2000 --expect no-answer
}

prepare_dns_late_answer() { start_server --dns "$(ep4 $SRV4 $DNS_PORT)"; }
run_dns_late_answer() {
  # A stub resolver's timing (glibc with options timeout:1 attempts:2): two queries 1 s apart,
  # then the client gives up 2 s in and closes its socket; the answers come at 3 and 4 s.
  client dns-query --local "$(ep4 $CLI4 40053)" --remote "$(ep4 $SRV4 $DNS_PORT)" \
    --name slow.wirewhy.test --id 0x1a05 --attempts 2 --attempt-timeout 1000 --expect no-answer
  sleep 2.5
}

prepare_healthy() {
  start_server --tcp-echo "$(ep4 $SRV4 $ECHO_PORT)" --tcp-echo "$(ep6 $SRV6 $ECHO_PORT)" \
    --dns "$(ep4 $SRV4 $DNS_PORT)"
}
run_healthy() {
  client tcp-exchange --local "$(ep4 $CLI4 40001)" --remote "$(ep4 $SRV4 $ECHO_PORT)" --send "hello 1" --expect ok
  client tcp-exchange --local "$(ep4 $CLI4 40002)" --remote "$(ep4 $SRV4 $ECHO_PORT)" --send "hello 2" --expect ok
  client tcp-exchange --local "$(ep6 $CLI6 40003)" --remote "$(ep6 $SRV6 $ECHO_PORT)" --send "hello 3" --expect ok
  client dns-query --local "$(ep4 $CLI4 40053)" --remote "$(ep4 $SRV4 $DNS_PORT)" \
    --name ok.wirewhy.test --id 0x1a04 --expect NOERROR
}

prepare_mix() {
  # Short SYN timeout for the one connect the firewall drops: (2^2 - 1) = 3 s, so two
  # retransmissions 1 s apart and ETIMEDOUT about 3 s in.
  set_client_sysctl net.ipv4.tcp_syn_retries 1
  srv_iptables -A INPUT -p tcp --dport "$FIREWALLED_PORT" --syn -j DROP
  start_server --tcp-echo "$(ep4 $SRV4 $ECHO_PORT)" --tcp-reset "$(ep4 $SRV4 $RESET_PORT)" \
    --tcp-listen "$(ep4 $SRV4 $FIREWALLED_PORT)"
}
run_mix() {
  client tcp-connect --local "$(ep4 $CLI4 40001)" --remote "$(ep4 $SRV4 $CLOSED_TCP)" --expect ECONNREFUSED
  client tcp-connect --local "$(ep4 $CLI4 40002)" --remote "$(ep4 $SRV4 $FIREWALLED_PORT)" --expect ETIMEDOUT
  client udp-send --local "$(ep4 $CLI4 40003)" --remote "$(ep4 $SRV4 $CLOSED_UDP)" --expect ECONNREFUSED
  client tcp-exchange --local "$(ep4 $CLI4 40004)" --remote "$(ep4 $SRV4 $ECHO_PORT)" --send "hello mix" --expect ok
  client tcp-reset --local "$(ep4 $CLI4 40005)" --remote "$(ep4 $SRV4 $RESET_PORT)" --expect ECONNRESET
}

# Address resolution that fails: the capture keeps ARP, and neighbour solicitations and
# advertisements for the client's addresses, besides the usual traffic between the hosts.
prepare_arp_no_reply() {
  SCENARIO_FILTER="arp or ($CAPTURE_FILTER)"
  start_server --tcp-echo "$(ep4 $SRV4 $ECHO_PORT)"
}
run_arp_no_reply() {
  client tcp-connect --local "$(ep4 $CLI4 40001)" --remote "$(ep4 $UNUSED4 $ECHO_PORT)" --expect EHOSTUNREACH
}

prepare_ndp_no_reply() {
  SCENARIO_FILTER="(icmp6 and ip6[40] >= 135 and ip6[40] <= 136) or ($CAPTURE_FILTER)"
  start_server --tcp-echo "$(ep6 $SRV6 $ECHO_PORT)"
}
run_ndp_no_reply() {
  client tcp-connect --local "$(ep6 $CLI6 40001)" --remote "$(ep6 $UNUSED6 $ECHO_PORT)" --expect EHOSTUNREACH
}

# ------------------------------------------------------------------ driver

generate() {
  local name=$1 fn=${1//-/_}
  local pcap="$OUT_DIR/$name.pcap" json="$OUT_DIR/$name.client.json"
  local tmp_pcap="$WORK/$name.pcap"
  log "scenario $name"
  rm -f "$pcap" "$json"
  SCENARIO_FILTER=""
  RECORDS="$WORK/$name.records"
  : >"$RECORDS"

  setup_network
  "prepare_$fn"
  start_capture "$tmp_pcap"
  "run_$fn"
  # Let late packets (RST, ICMP, FIN) reach the capture, then stop it before the server
  # goes away, so the server's shutdown is not part of the capture.
  sleep "$SETTLE_AFTER_CLIENTS"
  # A classic pcap has no end time of its own: one ICMP echo after every client has finished
  # records, in capture time, that the capture went on past the clients' give-up.
  in_cli ping -n -c 1 -W 1 "$SRV4" >/dev/null 2>&1 || true
  sleep 0.2
  stop_capture
  node "$PEER" assemble --scenario "$name" --description "${DESCRIPTION[$name]}" \
    --kernel "$(uname -r)" --sysctls "$(client_sysctls_json)" \
    --counters "$(client_counters_json)" --records "$RECORDS" --out "$json"
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
  for tool in ip nstat iptables ip6tables tcpdump node timeout python3; do
    command -v "$tool" >/dev/null || die "$tool not found"
  done

  local selected=("$@") name known k
  ((${#selected[@]})) || selected=("${SCENARIOS[@]}")
  for name in "${selected[@]}"; do
    known=0
    for k in "${SCENARIOS[@]}"; do [[ $k == "$name" ]] && known=1; done
    ((known)) || die "unknown scenario '$name' (try --list)"
  done

  WORK=$(mktemp -d /tmp/ww-kernel-fixtures.XXXXXX)
  trap cleanup EXIT INT TERM
  mkdir -p "$OUT_DIR"
  for name in "${selected[@]}"; do
    generate "$name"
  done
}

main "$@"
