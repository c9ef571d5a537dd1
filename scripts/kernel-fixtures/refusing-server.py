"""Servers that refuse in their application protocol, for scripts/gen-kernel-fixtures-app.sh
(python3, standard library only). Each accepts connections one after another, writes the port of
each client to PEERS (one a line) and answers:

    python3 refusing-server.py postgresql-password HOST PORT READY PEERS
        asks for a cleartext password, then FATAL 28P01 "password authentication failed"
    python3 refusing-server.py postgresql-hba HOST PORT READY PEERS
        FATAL 28000 "no pg_hba.conf entry" right after the startup message
    python3 refusing-server.py http-503 HOST PORT READY PEERS
        reads a request, answers 503 Service Unavailable with Connection: close, closes
    python3 refusing-server.py smtp-554 HOST PORT READY PEERS
        greets with 554 and closes when the client does (or after 5 s)
"""
import socket
import struct
import sys

kind, host, port, ready, peers = sys.argv[1:]


def pg_error(code, message):
    # ErrorResponse: 'E', Int32 length, fields S/V/C/M as type byte + text + NUL, final NUL.
    body = b''.join(t + v.encode() + b'\0' for t, v in ((b'S', 'FATAL'), (b'V', 'FATAL'), (b'C', code), (b'M', message))) + b'\0'
    return b'E' + struct.pack('!I', 4 + len(body)) + body


def read_startup(conn):
    # SSLRequest (80877103) is answered 'N' (no SSL), then the StartupMessage follows.
    while True:
        head = conn.recv(8, socket.MSG_WAITALL)
        if len(head) < 8:
            return None
        length, code = struct.unpack('!II', head)
        rest = conn.recv(length - 8, socket.MSG_WAITALL) if length > 8 else b''
        if code == 80877103 or code == 80877104:
            conn.sendall(b'N')
            continue
        return rest


def serve(conn, addr):
    conn.settimeout(5)
    try:
        if kind == 'postgresql-password':
            if read_startup(conn) is None:
                return
            conn.sendall(b'R' + struct.pack('!II', 8, 3))  # AuthenticationCleartextPassword
            conn.recv(1024)  # PasswordMessage 'p'
            conn.sendall(pg_error('28P01', 'password authentication failed for user "app"'))
        elif kind == 'postgresql-hba':
            if read_startup(conn) is None:
                return
            conn.sendall(pg_error('28000', f'no pg_hba.conf entry for host "{addr[0]}", user "app", database "shop", no encryption'))
        elif kind == 'http-503':
            conn.recv(4096)
            body = b'no backend available\n'
            conn.sendall(b'HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' % (len(body), body))
        elif kind == 'smtp-554':
            conn.sendall(b'554 5.7.1 mail.wirewhy.test: client host rejected, access denied\r\n')
            while conn.recv(1024):
                pass
    except OSError:
        pass
    finally:
        conn.close()


s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((host, int(port)))
s.listen(8)
open(ready, 'w').write('ready\n')
while True:
    conn, addr = s.accept()
    with open(peers, 'a') as f:
        f.write(f'{addr[1]}\n')
    serve(conn, addr)
