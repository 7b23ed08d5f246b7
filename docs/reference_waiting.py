#!/usr/bin/env python3
# An independent implementation of Juice's waiting-message envelope from docs/protocol.md 5.3 alone
# (Python, libsodium through ctypes, BLAKE2b from hashlib). It prints the 5.7 test vectors; they must match.
import ctypes, hashlib
s=ctypes.CDLL("libsodium.so.23"); assert s.sodium_init()>=0
def seed_pair(seed):
    pk=ctypes.create_string_buffer(32); sk=ctypes.create_string_buffer(32)
    assert s.crypto_box_seed_keypair(pk, sk, seed)==0; return sk.raw, pk.raw
def pk(sk):
    o=ctypes.create_string_buffer(32); s.crypto_scalarmult_base(o, sk); return o.raw
def dh(sk, p):
    o=ctypes.create_string_buffer(32); assert s.crypto_scalarmult(o, sk, p)==0; return o.raw
def aead(m, ad, k):
    o=ctypes.create_string_buffer(len(m)+16); n=ctypes.c_ulonglong()
    assert s.crypto_aead_xchacha20poly1305_ietf_encrypt(o, ctypes.byref(n), m, ctypes.c_ulonglong(len(m)), ad, ctypes.c_ulonglong(len(ad)), None, bytes(24), k)==0
    return o.raw
a,A=seed_pair(b"\x51"*32); b,B=seed_pair(b"\x52"*32); opk,OPK=seed_pair(b"\x53"*32)
print("IK_A secret", a.hex()); print("IK_A", A.hex())
print("IK_B secret", b.hex()); print("IK_B", B.hex())
print("OPK_B secret", opk.hex()); print("OPK_B", OPK.hex())
plaintext=(1795000000000).to_bytes(8,'big')+"lunch at 1? \u2615".encode()
print("plaintext", plaintext.hex())
for mode in (0, 1):
    e=bytes([0x60+mode])*32; E=pk(e); mid=bytes([0x70+mode])*16; opt=OPK if mode else b""
    dhs=[dh(a,OPK), dh(e,B), dh(e,OPK)] if mode else [dh(a,B), dh(e,B)]
    ad=b"juice/v1/waiting"+bytes([1,mode])+A+B+E+opt+mid
    key=hashlib.blake2b(b"juice/v1/waiting-key"+b"".join(dhs)+ad, digest_size=32).digest()
    env=bytes([1,mode])+E+opt+mid+aead(plaintext, ad, key)
    print("mode", mode, "EK", E.hex()); print("mode", mode, "key", key.hex()); print("mode", mode, "envelope", env.hex())
