"""A Python ssl client for scripts/gen-kernel-fixtures-app.sh (python3, standard library only):
    python3 tls-client.py HOST PORT LOCAL_IP LOCAL_PORT SERVERNAME MIN|- MAX|- CIPHERS|- yes|no
Prints "ok" after the handshake, or the exception as Python shows it, and exits 1."""
import socket
import ssl
import sys

host, port, local_ip, local_port, servername, min_version, max_version, ciphers, verify = sys.argv[1:]
ctx = ssl.create_default_context()
if verify != 'yes':
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
if min_version != '-':
    ctx.minimum_version = getattr(ssl.TLSVersion, min_version)
if max_version != '-':
    ctx.maximum_version = getattr(ssl.TLSVersion, max_version)
if ciphers != '-':
    ctx.set_ciphers(ciphers)
sock = socket.create_connection((host, int(port)), timeout=10, source_address=(local_ip, int(local_port)))
try:
    with ctx.wrap_socket(sock, server_hostname=servername):
        print('ok')
except Exception as e:  # what the application would print
    print(f'{type(e).__module__}.{type(e).__name__}: {e}')
    sys.exit(1)
