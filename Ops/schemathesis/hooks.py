"""Schemathesis hooks for juiced: operations that need a session get a real user's bearer token.

Loaded by Ops/schemathesis/run through SCHEMATHESIS_HOOKS. The user is registered with valid keys
(a random auth key, a real X25519 public key, a random 72-byte sealed secret) and logged in online,
so renew, logout and the buddy calls run as a real session. A token that stops working (a logout,
a login that replaced it) is fetched again: schemathesis re-authenticates on 401. A user whose
logins are throttled (wrong current keys sent to changePassword count as failed logins) is
replaced by a fresh one.
"""

import base64
import json
import secrets
import threading
import urllib.error
import urllib.request

import schemathesis
from hypothesis import strategies as st
from nacl.public import PrivateKey

REALM = "juice"
ENDPOINT = "127.0.0.1:40000"
ATTEMPTS = 3  # users tried per token fetch, so a fetch is bounded
TIMEOUT_SECONDS = 10
# Headers that every operation must answer as documented: an Accept that rules out the reply (406)
# and, on a request with a body, a Content-Type that is not JSON (415).
NOT_ACCEPTABLE = {"Accept": "text/html"}
NOT_JSON = {"Content-Type": "text/plain"}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _post(base_url: str, path: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        base_url + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


class _User:
    """A registered account: its name and auth key."""

    def __init__(self, base_url: str):
        self.name = "st" + secrets.token_hex(8)
        self.auth_key = _b64(secrets.token_bytes(32))
        status, body = _post(base_url, "/v1/accounts", {
            "username": self.name,
            "realm": REALM,
            "authKey": self.auth_key,
            "publicKey": _b64(bytes(PrivateKey.generate().public_key)),
            "sealedSecret": _b64(secrets.token_bytes(72)),
        })
        if status != 201:
            raise RuntimeError(f"registering {self.name} answered {status}: {body}")

    def login(self, base_url: str) -> tuple[int, dict]:
        return _post(base_url, "/v1/sessions", {
            "username": self.name, "realm": REALM, "authKey": self.auth_key, "online": True, "endpoint": ENDPOINT,
        })


@schemathesis.hook
def map_body(context, body):
    """The server accepts only its own realm: a random one is always 400, so bodies use the real one."""
    if isinstance(body, dict) and isinstance(body.get("realm"), str):
        body["realm"] = REALM
    return body


@schemathesis.hook
def flatmap_case(context, case):
    """Most cases as generated; some with an Accept or a Content-Type that the server must refuse."""
    variants = [None, None, None, None, NOT_ACCEPTABLE] + ([NOT_JSON] if case.media_type else [])
    return st.sampled_from(variants).map(lambda extra: _with_headers(case, extra))


def _with_headers(case, extra):
    if extra:
        case.headers = {**(case.headers or {}), **extra}
    return case


@schemathesis.auth()
class JuiceSession:
    """A bearer token from a real login."""

    def __init__(self):
        self._lock = threading.Lock()
        self._user = None

    def get(self, case, context):
        base_url = context.operation.schema.get_base_url()
        with self._lock:
            for _ in range(ATTEMPTS):
                if self._user is None:
                    self._user = _User(base_url)
                status, body = self._user.login(base_url)
                if status == 200:
                    return body["token"]
                self._user = None  # throttled or gone: use a fresh user
            raise RuntimeError(f"could not log in a test user (last answer {status}: {body})")

    def set(self, case, token, context):
        # A token that a stateful link carried over from a login response stays as it is. The run
        # generates no Authorization headers of its own (--generation-with-security-parameters false).
        headers = case.headers if case.headers is not None else {}
        if not any(name.lower() == "authorization" for name in headers):
            headers["Authorization"] = f"Bearer {token}"
        case.headers = headers
