#!/usr/bin/python3
"""smtp_sink.py PORT - a real SMTP server (aiosmtpd) for the identity e2e
tests: accepts every message and prints it to stdout as one JSON line
{"to": [...], "data": "<message text>"}; prints "READY" once listening."""
import json
import sys
import time

from aiosmtpd.controller import Controller


class Sink:
    async def handle_DATA(self, server, session, envelope):
        print(json.dumps({"to": envelope.rcpt_tos,
                          "data": envelope.content.decode("utf-8", "replace")}), flush=True)
        return "250 OK"


def main():
    port = int(sys.argv[1])
    ctl = Controller(Sink(), hostname="127.0.0.1", port=port)
    ctl.start()
    print("READY", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        ctl.stop()


if __name__ == "__main__":
    main()
