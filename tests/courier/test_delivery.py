#!/usr/bin/env python3
"""Delivery tests of the courier against real peers (API.md 5.5, 5.6).

Starts a real SMTP server (aiosmtpd), an HTTP server that plays the Twilio
Messages API and the WhatsApp Cloud API and records every request, and a
listener that accepts connections and never answers. Each test runs
tests/tools/courier_send once and checks what the peer received, the exit
code and the log lines on stderr.

    test_delivery.py <path to courier_send>     (exits 1 when a test fails)
"""
import base64
import logging
import email
import email.policy
import email.utils
import json
import os
import re
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

TOOL = sys.argv[1]
CODE = "482913"
TOKEN = "tK7_secretTokenValue-0123456789abcdefghijklmn"
PASSWORD = "smtp-Secret-pw"
AUTH_TOKEN = "sms-Secret-auth-token"
ACCESS_TOKEN = "EAAG-whatsapp-Secret-access-token"


# ---- peers -----------------------------------------------------------------

class SmtpRecorder:
    """aiosmtpd handler: keeps every accepted message; refuses rcpt reject@..."""

    def __init__(self):
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject@"):
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        login = session.auth_data.login.decode() if session.authenticated else None
        password = session.auth_data.password.decode() if session.authenticated else None
        self.messages.append({"mail_from": envelope.mail_from, "rcpt": list(envelope.rcpt_tos),
                              "data": envelope.original_content, "login": login,
                              "password": password})
        return "250 Message accepted"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"mailer" and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, auth_data=auth_data if ok else None)


class HttpRecorder(BaseHTTPRequestHandler):
    """Plays both APIs: a path starting with /fail answers 500, others 201."""
    requests = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        HttpRecorder.requests.append({"method": "POST", "path": self.path,
                                      "headers": dict(self.headers.items()), "body": body})
        status = 500 if self.path.startswith("/fail") else 201
        payload = b'{"sid":"SM1"}' if status == 201 else b'{"message":"boom"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def silent_listener():
    """Accepts connections and never writes: a provider that never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    held = []

    def loop():
        while True:
            conn, _ = sock.accept()
            held.append(conn)
    threading.Thread(target=loop, daemon=True).start()
    return sock.getsockname()[1]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd chatter
SMTP = SmtpRecorder()
SMTP_PORT = free_port()
smtp_plain = Controller(SMTP, hostname="127.0.0.1", port=SMTP_PORT)
smtp_plain.start()
SMTP_AUTH_PORT = free_port()
smtp_auth = Controller(SMTP, hostname="127.0.0.1", port=SMTP_AUTH_PORT,
                       authenticator=authenticator, auth_require_tls=False)
smtp_auth.start()
http = ThreadingHTTPServer(("127.0.0.1", 0), HttpRecorder)
threading.Thread(target=http.serve_forever, daemon=True).start()
HTTP = f"http://127.0.0.1:{http.server_address[1]}"
SILENT_PORT = silent_listener()


# ---- running the tool ------------------------------------------------------

def run(args, env=None, expect_rc=0):
    """Runs courier_send; returns (stdout, stderr lines as JSON, seconds)."""
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("SMTP_", "SMS_", "WHATSAPP_", "OUTBOX_"))}
    base.update(env or {})
    start = time.monotonic()
    p = subprocess.run([TOOL] + args, env=base, capture_output=True, text=True, timeout=60)
    took = time.monotonic() - start
    assert p.returncode == expect_rc, f"exit {p.returncode}, want {expect_rc}: {p.stderr}"
    for marker in ("Sanitizer", "runtime error:"):  # an ASan/UBSan build must stay clean
        assert marker not in p.stderr, p.stderr
    logs = [json.loads(line) for line in p.stderr.splitlines() if line.startswith("{")]
    return p.stdout, logs, took


def smtp_env(**extra):
    env = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(SMTP_PORT), "SMTP_TLS": "none",
           "SMTP_FROM": "Authrs <no-reply@authrs.example>"}
    env.update(extra)
    return env


def last_mail():
    assert SMTP.messages, "no message received"
    return SMTP.messages[-1]


def parse_mail(raw):
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b""), "lines must end in CRLF"
    return email.message_from_bytes(raw, policy=email.policy.default)


def check_headers(msg, to, subject, sender="Authrs <no-reply@authrs.example>"):
    assert msg["From"] == sender, msg["From"]
    assert msg["To"] == to, msg["To"]
    assert msg["Subject"] == subject, msg["Subject"]
    assert msg["MIME-Version"] == "1.0"
    assert msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
    sent = email.utils.parsedate_to_datetime(msg["Date"])
    assert abs((datetime.now(timezone.utc) - sent).total_seconds()) < 300, msg["Date"]
    domain = sender.split("@")[1].rstrip(">")
    assert re.fullmatch(r"<[0-9a-f-]{36}@" + re.escape(domain) + ">", msg["Message-ID"])


def no_secrets(logs, *secrets):
    text = json.dumps(logs)
    for s in secrets:
        assert s not in text, "a secret reached the log"


def failure(logs, channel, kind, provider, status):
    fails = [l for l in logs if l["event"] == "delivery_failed"]
    assert len(fails) == 1, logs
    f = fails[0]
    assert f["level"] == "warn" and f["channel"] == channel and f["kind"] == kind, f
    assert f["provider"] == provider and f["status"] == status, f
    assert "body" not in f and "to" not in f
    return f


# ---- email -----------------------------------------------------------------

OTP_EMAIL = ("Your sign-in code for {t} is {c}.\n\n"
             "It expires in 10 minutes and works only once. If you did not try to sign in,\n"
             "you can ignore this message.\n")


def test_email_otp():
    out, logs, _ = run(["--channel", "email", "--kind", "otp", "--to", "jane@example.com",
                        "--code", CODE, "--tenant-name", "Acme"], smtp_env())
    assert out == "route=global\n"
    m = last_mail()
    assert m["mail_from"] == "no-reply@authrs.example" and m["rcpt"] == ["jane@example.com"]
    assert m["login"] is None, "no AUTH without credentials"
    msg = parse_mail(m["data"])
    check_headers(msg, "jane@example.com", "Your Acme sign-in code")
    assert msg.get_content().replace("\r\n", "\n") == OTP_EMAIL.format(t="Acme", c=CODE)
    no_secrets(logs, CODE)


def test_email_utf8_subject():
    name = "Äcme Ünïcödé Çorporation with a rather long name ✓ 日本語"
    run(["--channel", "email", "--kind", "otp", "--to", "jane@example.com", "--code", CODE,
         "--tenant-name", name], smtp_env(SMTP_FROM="Authrs Café <no-reply@authrs.example>"))
    raw = last_mail()["data"]
    head = raw.split(b"\r\n\r\n")[0]
    assert b"Subject: =?UTF-8?B?" in head
    assert all(len(line) <= 78 for line in head.split(b"\r\n")), head
    assert all(b < 0x80 for b in head), "headers must be ASCII"
    msg = parse_mail(raw)
    check_headers(msg, "jane@example.com", f"Your {name} sign-in code",
                  sender="Authrs Café <no-reply@authrs.example>")
    assert msg.get_content().replace("\r\n", "\n") == OTP_EMAIL.format(t=name, c=CODE)


RESET_LINK = ("We received a request to reset the password of your account.\n\n"
              "To choose a new password, open this link:\n{x}\n\n"
              "The link expires in 60 minutes and works only once. If you did not ask for this,\n"
              "ignore this message; your password stays the same.\n")
RESET_CODE = RESET_LINK.replace("open this link:",
                                "enter this reset code in the application:")


def test_email_reset_link_and_token():
    run(["--channel", "email", "--kind", "password_reset", "--to", "jane@example.com",
         "--token", TOKEN, "--link-base", "https://app.example.com/"], smtp_env())
    msg = parse_mail(last_mail()["data"])
    check_headers(msg, "jane@example.com", "Reset your Acme password")
    link = f"https://app.example.com/reset-password?token={TOKEN}"
    assert msg.get_content().replace("\r\n", "\n") == RESET_LINK.format(x=link), msg.get_content().replace("\r\n", "\n")
    run(["--channel", "email", "--kind", "password_reset", "--to", "jane@example.com",
         "--token", TOKEN], smtp_env())
    assert parse_mail(last_mail()["data"]).get_content().replace("\r\n", "\n") == RESET_CODE.format(x=TOKEN)


INVITE = ("Someone asked to add your account to Acme.\n\n"
          "{lead}\n{x}\n\n"
          "The link expires in 60 minutes. If you did not ask for this, ignore this message\n"
          "and nothing will change.\n")


def test_email_invite_link_and_code():
    run(["--channel", "email", "--kind", "invite", "--to", "jane@example.com", "--token",
         TOKEN, "--link-base", "https://acme.example"], smtp_env())
    msg = parse_mail(last_mail()["data"])
    check_headers(msg, "jane@example.com", "Confirm joining Acme")
    link = f"https://acme.example/verify-membership?token={TOKEN}"
    assert msg.get_content().replace("\r\n", "\n") == INVITE.format(
        lead="If this was you, confirm by opening this link:", x=link)
    run(["--channel", "email", "--kind", "invite", "--to", "jane@example.com", "--token",
         TOKEN], smtp_env())
    assert parse_mail(last_mail()["data"]).get_content().replace("\r\n", "\n") == INVITE.format(
        lead="If this was you, confirm with this code:", x=TOKEN)


def test_email_dot_stuffing():
    body = ".leading dot\n..two dots\n.\nafter a lone dot"
    run(["--channel", "email", "--kind", "otp", "--to", "jane@example.com", "--code", CODE,
         "--body", body], smtp_env())
    assert parse_mail(last_mail()["data"]).get_content().replace("\r\n", "\n") == body + "\n"


def test_email_auth_only_with_both_credentials():
    env = smtp_env(SMTP_PORT=str(SMTP_AUTH_PORT), SMTP_USER="mailer", SMTP_PASS=PASSWORD)
    _, logs, _ = run(["--channel", "email", "--kind", "otp", "--to", "jane@example.com",
                      "--code", CODE], env)
    m = last_mail()
    assert m["login"] == "mailer" and m["password"] == PASSWORD
    no_secrets(logs, PASSWORD)
    del env["SMTP_PASS"]
    run(["--channel", "email", "--kind", "otp", "--to", "jane@example.com", "--code", CODE], env)
    assert last_mail()["login"] is None


def test_email_tenant_provider_and_global_only_messages():
    kv = json.dumps({"host": "127.0.0.1", "port": SMTP_PORT, "tls": "none",
                     "from": "Acme Mail <mail@acme.example>"})
    out, _, _ = run(["--channel", "email", "--kind", "otp", "--to", "jane@example.com",
                     "--code", CODE, "--kv", kv], smtp_env())
    assert out == "route=tenant\n"
    assert parse_mail(last_mail()["data"])["From"] == "Acme Mail <mail@acme.example>"
    out, _, _ = run(["--channel", "email", "--kind", "password_reset", "--to",
                     "jane@example.com", "--token", TOKEN, "--kv", kv], smtp_env())
    assert out == "route=global\n", "a reset never goes through the tenant's provider"
    assert parse_mail(last_mail()["data"])["From"] == "Authrs <no-reply@authrs.example>"


def test_email_rejected_recipient():
    count = len(SMTP.messages)
    _, logs, _ = run(["--channel", "email", "--kind", "otp", "--to", "reject@example.com",
                      "--code", CODE], smtp_env(), expect_rc=1)
    f = failure(logs, "email", "otp", "global", 550)
    assert f["error"].startswith("smtp: ")
    assert len(SMTP.messages) == count
    no_secrets(logs, CODE)


def test_email_starttls_is_required():
    count = len(SMTP.messages)
    env = smtp_env(SMTP_USER="mailer", SMTP_PASS=PASSWORD)
    del env["SMTP_TLS"]  # default starttls; the server offers none
    _, logs, _ = run(["--channel", "email", "--kind", "otp", "--to", "jane@example.com",
                      "--code", CODE], env, expect_rc=1)
    failure(logs, "email", "otp", "global", 250)
    assert len(SMTP.messages) == count, "no plain-text fallback"
    no_secrets(logs, CODE, PASSWORD)


def test_email_timeout():
    env = smtp_env(SMTP_PORT=str(SILENT_PORT), SMTP_TIMEOUT_SECS="2")
    _, logs, took = run(["--channel", "email", "--kind", "otp", "--to", "jane@example.com",
                         "--code", CODE], env, expect_rc=1)
    assert 1.5 < took < 6, took
    failure(logs, "email", "otp", "global", None)


def test_email_header_injection_refused():
    count = len(SMTP.messages)
    _, logs, _ = run(["--channel", "email", "--kind", "otp", "--to", "jane@example.com",
                      "--code", CODE, "--tenant-name", "Acme\r\nBcc: evil@example.com"],
                     smtp_env(), expect_rc=1)
    failure(logs, "email", "otp", "global", None)
    run(["--channel", "email", "--kind", "otp", "--to", "jane@example.com\r\nBcc: x@y.z",
         "--code", CODE], smtp_env(), expect_rc=1)
    assert len(SMTP.messages) == count


# ---- SMS -------------------------------------------------------------------

SMS_TEXT = f"{CODE} is your Acme sign-in code. It expires in 10 minutes. Do not share it with anyone."


def sms_env(base):
    return {"SMS_API_BASE": base, "SMS_ACCOUNT_SID": "AC0123456789abcdef",
            "SMS_AUTH_TOKEN": AUTH_TOKEN, "SMS_FROM": "+15550001111"}


def last_request():
    assert HttpRecorder.requests, "no request received"
    return HttpRecorder.requests[-1]


def test_sms_otp():
    out, logs, _ = run(["--channel", "sms", "--kind", "otp", "--to", "+919876543210",
                        "--code", CODE], sms_env(HTTP + "/ok/"))
    assert out == "route=global\n"
    r = last_request()
    assert r["method"] == "POST"
    assert r["path"] == "/ok/2010-04-01/Accounts/AC0123456789abcdef/Messages.json", r["path"]
    basic = base64.b64encode(f"AC0123456789abcdef:{AUTH_TOKEN}".encode()).decode()
    assert r["headers"]["Authorization"] == f"Basic {basic}"
    assert r["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    form = urllib.parse.parse_qs(r["body"].decode(), strict_parsing=True)
    assert form == {"To": ["+919876543210"], "From": ["+15550001111"], "Body": [SMS_TEXT]}, form
    no_secrets(logs, CODE, AUTH_TOKEN)


def test_sms_invite_and_tenant_provider():
    kv = json.dumps({"accountSid": "ACtenant", "authToken": "tenant-tok", "from": "Acme",
                     "apiBase": HTTP + "/tenant"})
    out, _, _ = run(["--channel", "sms", "--kind", "otp", "--to", "+15557654321", "--code",
                     CODE, "--kv", kv], sms_env(HTTP + "/ok"))
    assert out == "route=tenant\n"
    assert last_request()["path"] == "/tenant/2010-04-01/Accounts/ACtenant/Messages.json"
    out, _, _ = run(["--channel", "sms", "--kind", "invite", "--to", "+15557654321", "--token",
                     TOKEN, "--link-base", "https://acme.example", "--kv", kv],
                    sms_env(HTTP + "/ok"))
    assert out == "route=global\n"
    r = last_request()
    assert r["path"].startswith("/ok/")
    form = urllib.parse.parse_qs(r["body"].decode())
    assert form["Body"] == [f"Confirm joining Acme: https://acme.example/verify-membership?"
                            f"token={TOKEN}. Expires in 60 minutes. Ignore this if it was not you."]


def test_sms_provider_error():
    _, logs, _ = run(["--channel", "sms", "--kind", "otp", "--to", "+919876543210", "--code",
                      CODE], sms_env(HTTP + "/fail"), expect_rc=1)
    f = failure(logs, "sms", "otp", "global", 500)
    assert f["error"] == "sms: HTTP 500", f
    no_secrets(logs, CODE, AUTH_TOKEN, "boom")


def test_sms_timeout():
    _, logs, took = run(["--channel", "sms", "--kind", "otp", "--to", "+919876543210", "--code",
                         CODE], sms_env(f"http://127.0.0.1:{SILENT_PORT}"), expect_rc=1)
    assert 9 < took < 14, took
    failure(logs, "sms", "otp", "global", None)
    no_secrets(logs, CODE, AUTH_TOKEN)


# ---- WhatsApp --------------------------------------------------------------

def wa_env(base, template=None):
    env = {"WHATSAPP_API_BASE": base, "WHATSAPP_PHONE_NUMBER_ID": "1098765",
           "WHATSAPP_ACCESS_TOKEN": ACCESS_TOKEN}
    if template:
        env["WHATSAPP_TEMPLATE_NAME"] = template
    return env


def ordered(body):
    return json.loads(body, object_pairs_hook=lambda pairs: pairs)


def test_whatsapp_template():
    _, logs, _ = run(["--channel", "whatsapp", "--kind", "otp", "--to", "+919876543210",
                      "--code", CODE], wa_env(HTTP + "/ok", template="auth_code"))
    r = last_request()
    assert r["path"] == "/ok/v21.0/1098765/messages", r["path"]
    assert r["headers"]["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert r["headers"]["Content-Type"] == "application/json"
    want = ('{"messaging_product":"whatsapp","recipient_type":"individual","to":"919876543210",'
            '"type":"template","template":{"name":"auth_code","language":{"code":"en_US"},'
            '"components":[{"type":"body","parameters":[{"type":"text","text":"%s"}]},'
            '{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text",'
            '"text":"%s"}]}]}}' % (CODE, CODE))
    assert ordered(r["body"]) == ordered(want), r["body"]
    no_secrets(logs, CODE, ACCESS_TOKEN)


def test_whatsapp_text():
    env = wa_env(HTTP + "/ok")
    env["WHATSAPP_API_VERSION"] = "v19.0"
    run(["--channel", "whatsapp", "--kind", "otp", "--to", "+919876543210", "--code", CODE], env)
    r = last_request()
    assert r["path"] == "/ok/v19.0/1098765/messages"
    want = {"messaging_product": "whatsapp", "recipient_type": "individual",
            "to": "919876543210", "type": "text",
            "text": {"preview_url": False, "body": SMS_TEXT}}
    assert ordered(r["body"]) == ordered(json.dumps(want)), r["body"]


def test_whatsapp_provider_error_and_timeout():
    _, logs, _ = run(["--channel", "whatsapp", "--kind", "otp", "--to", "+919876543210",
                      "--code", CODE], wa_env(HTTP + "/fail"), expect_rc=1)
    failure(logs, "whatsapp", "otp", "global", 500)
    no_secrets(logs, CODE, ACCESS_TOKEN)
    _, logs, took = run(["--channel", "whatsapp", "--kind", "otp", "--to", "+919876543210",
                         "--code", CODE], wa_env(f"http://127.0.0.1:{SILENT_PORT}"),
                        expect_rc=1)
    assert 9 < took < 14, took
    failure(logs, "whatsapp", "otp", "global", None)


# ---- outbox and REQUIRE_DELIVERY -------------------------------------------

def test_outbox_file():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "outbox.jsonl")
        env = {"OUTBOX_PATH": path}
        out, logs, _ = run(["--channel", "email", "--kind", "otp", "--to", "jane@example.com",
                            "--code", CODE], env)
        assert out == "route=outbox\n" and not logs
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        run(["--channel", "sms", "--kind", "otp", "--to", "+919876543210", "--code", CODE], env)
        lines = open(path, encoding="utf-8").read().splitlines()
        assert len(lines) == 2
        first = ordered(lines[0])
        assert [k for k, _ in first] == ["ts", "kind", "channel", "tenantId", "to", "subject",
                                         "body", "code", "token", "link"]
        first = dict(first)
        assert first["kind"] == "otp" and first["channel"] == "email"
        assert first["tenantId"] == "acme" and first["to"] == "jane@example.com"
        assert first["subject"] == "Your Acme sign-in code" and first["code"] == CODE
        assert first["body"] == OTP_EMAIL.format(t="Acme", c=CODE).rstrip("\n")
        assert first["token"] is None and first["link"] is None
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", first["ts"])
        second = json.loads(lines[1])
        assert second["subject"] is None and second["body"] == SMS_TEXT


def test_outbox_log():
    _, logs, _ = run(["--channel", "email", "--kind", "password_reset", "--to",
                      "jane@example.com", "--token", TOKEN, "--link-base", "https://a.example"])
    assert len(logs) == 1 and logs[0]["event"] == "outbox" and logs[0]["level"] == "warn"
    assert logs[0]["token"] == TOKEN
    assert logs[0]["link"] == f"https://a.example/reset-password?token={TOKEN}"


def test_require_delivery_never_uses_outbox():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "outbox.jsonl")
        out, logs, _ = run(["--channel", "whatsapp", "--kind", "otp", "--to", "+919876543210",
                            "--code", CODE, "--require"], {"OUTBOX_PATH": path}, expect_rc=1)
        assert out == "route=none\n"
        failure(logs, "whatsapp", "otp", "none", None)
        assert not os.path.exists(path)
        no_secrets(logs, CODE)


def main():
    tests = [(n, f) for n, f in globals().items() if n.startswith("test_") and callable(f)]
    failed = 0
    for name, fn in tests:
        try:
            fn()
            print(f"ok   {name}")
        except Exception:
            failed += 1
            print(f"FAIL {name}")
            traceback.print_exc()
    print(f"{len(tests) - failed}/{len(tests)} delivery tests passed")
    smtp_plain.stop()
    smtp_auth.stop()
    http.shutdown()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
