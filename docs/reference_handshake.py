#!/usr/bin/env python3
# An independent implementation of the Juice handshake from docs/protocol.md alone (Python, libsodium
# through ctypes, BLAKE2b from hashlib). It prints the section 4 test vectors; they must match.
import ctypes, hashlib
s=ctypes.CDLL("libsodium.so.23"); s.sodium_init()
def b2(data, n=32, key=b""): return hashlib.blake2b(data, digest_size=n, key=key).digest()
def pk(sk):
    o=ctypes.create_string_buffer(32); s.crypto_scalarmult_base(o, sk); return o.raw
def dh(sk, p):
    o=ctypes.create_string_buffer(32); assert s.crypto_scalarmult(o, sk, p)==0; return o.raw
def box(m, n, p, sk):
    o=ctypes.create_string_buffer(len(m)+16); assert s.crypto_box_easy(o, m, ctypes.c_ulonglong(len(m)), n, p, sk)==0; return o.raw
a=b"\x11"*32; b=b"\x22"*32; ea=b"\x33"*32; eb=b"\x44"*32
A,B,EA,EB=pk(a),pk(b),pk(ea),pk(eb)
n=[bytes([0xA0+i])*24 for i in range(4)]
ts=1795000000000
payload=ts.to_bytes(8,'big')+(1234).to_bytes(8,'big')+(5678).to_bytes(8,'big')+bytes([1,0,0])
m1=bytes([1])+EA+n[0]+box(A,n[0],B,ea)+n[1]+box(payload,n[1],B,a)
print("m1", m1.hex())
es,ss,ee,se=dh(ea,B),dh(a,B),dh(ea,EB),dh(a,EB)
h1=b2(b"juice/v1/h1"+m1); h2=b2(b"juice/v1/h2"+h1+EB)
ck=b2(b"juice/v1/ck"+es+ss+ee+se+h2)
confirm=b2(b"juice/v1/confirm", key=ck)
rp=bytes([2,1,5])+b"lunch"+confirm
inner=n[3]+box(rp,n[3],A,eb)
m2=bytes([1])+EB+n[2]+box(inner,n[2],EA,eb)
print("m2", m2.hex())
h3=b2(b"juice/v1/h3"+h2+m2)
print("i2r", b2(b"juice/v1/i2r"+h3, key=ck).hex())
print("r2i", b2(b"juice/v1/r2i"+h3, key=ck).hex())
# The safety number of alice (key S_i) and bob (key S_r): pairs sorted by username, each 5-byte
# group of BLAKE2b-30 read as a big-endian 40-bit integer, modulo 100,000.
sn=b2(b"juice/v1/safety"+b"alice"+b"\0"+A+b"bob"+b"\0"+B, 30)
print("safety", " ".join("%05d" % (int.from_bytes(sn[i:i+5],'big') % 100000) for i in range(0,30,5)))
