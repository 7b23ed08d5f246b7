"""Schemathesis hooks for juiced, loaded by Ops/schemathesis/run through SCHEMATHESIS_HOOKS.

- Operations that need a session get a real user's bearer token. The user is registered with valid
  keys (a random auth key, a real X25519 public key, a random 72-byte sealed secret) and logged in
  online, so renew, logout and the buddy calls run as a real session. A token that stops working
  (a logout, a login that replaced it) is fetched again: schemathesis re-authenticates on 401. A
  user whose password checks are throttled (wrong current keys sent to changePassword count) is
  replaced by a fresh one.
- Two more users, online with an endpoint and status text, ask that user to be buddies, and
  acceptBuddy is sometimes called with their names, so accepted entries (keys, peer IDs,
  endpoints) appear in the replies that are checked against the document.
- Generated bodies carry the server's realm, and some requests an Accept or a Content-Type that
  the server must refuse (406, 415) as documented.
"""

import base64
import json
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request

import schemathesis
from hypothesis import strategies as st
from nacl.public import PrivateKey

REALM = "juice"
ASKERS = 2  # users who ask the session user to be buddies
ATTEMPTS = 3  # users tried per token fetch, so a fetch is bounded
TIMEOUT_SECONDS = 10
NOT_ACCEPTABLE = {"Accept": "text/html"}
NOT_JSON = {"Content-Type": "text/plain"}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _call(base_url: str, method: str, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base_url + path, data=data, headers=headers, method=method)
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
        status, body = _call(base_url, "POST", "/v1/accounts", {
            "username": self.name,
            "realm": REALM,
            "authKey": self.auth_key,
            "publicKey": _b64(bytes(PrivateKey.generate().public_key)),
            "sealedSecret": _b64(secrets.token_bytes(72)),
        })
        if status != 201:
            raise RuntimeError(f"registering {self.name} answered {status}: {body}")

    def login(self, base_url: str, port: int = 40000) -> tuple[int, dict]:
        return _call(base_url, "POST", "/v1/sessions", {
            "username": self.name, "realm": REALM, "authKey": self.auth_key,
            "online": True, "endpoint": f"127.0.0.1:{port}", "camera": True, "statusText": "schemathesis",
        })


class _State:
    """The session user, and the names of users who asked it to be buddies."""

    def __init__(self):
        self.lock = threading.Lock()
        self.user = None
        self.askers: list[str] = []

    def token(self, base_url: str) -> str:
        with self.lock:
            for _ in range(ATTEMPTS):
                if self.user is None:
                    self.user = _User(base_url)
                    self.askers = [self._ask(base_url, self.user.name, 40001 + i) for i in range(ASKERS)]
                status, body = self.user.login(base_url)
                if status == 200:
                    return body["token"]
                self.user = None  # throttled or gone: use a fresh user
            raise RuntimeError(f"could not log in a test user (last answer {status}: {body})")

    @staticmethod
    def _ask(base_url: str, name: str, port: int) -> str:
        asker = _User(base_url)
        status, body = asker.login(base_url, port)
        if status == 200:
            status, body = _call(base_url, "PUT", "/v1/buddies/" + urllib.parse.quote(name), token=body["token"])
        if status != 200:
            raise RuntimeError(f"{asker.name} could not ask {name} to be buddies: {status} {body}")
        return asker.name


STATE = _State()


@schemathesis.hook
def map_body(context, body):
    """The server accepts only its own realm: a random one is always 400, so bodies use the real one."""
    if isinstance(body, dict) and isinstance(body.get("realm"), str):
        body["realm"] = REALM
    return body


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    """acceptBuddy sometimes names a user who really asked."""
    askers = list(STATE.askers)
    if context.operation is None or not context.operation.path.endswith("/accept") or not askers:
        return st.just(path_parameters)
    return st.sampled_from([None, *askers]).map(
        lambda name: path_parameters if name is None else {**(path_parameters or {}), "username": name})


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

    def get(self, case, context):
        return STATE.token(context.operation.schema.get_base_url())

    def set(self, case, token, context):
        # A token that a stateful link carried over from a login response stays as it is. The run
        # generates no Authorization headers of its own (--generation-with-security-parameters false).
        headers = case.headers if case.headers is not None else {}
        if not any(name.lower() == "authorization" for name in headers):
            headers["Authorization"] = f"Bearer {token}"
        case.headers = headers
