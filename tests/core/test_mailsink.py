"""The demo's mail sink: what the worker sends over SMTP lands as a readable .eml file in the instance folder."""
from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from core import mailsink
from core.db import commit
from core.jobs import Worker, collect_jobs
from core.models import OutboxStatus
from core.outbox import enqueue
from core.plugins import registry
from tests import factories
from tests.core.test_outbox import free_port
from tests.factories import reload

# The ``ordo`` program of this checkout (the cwd comes first on sys.path, as for pytest).
ROOT = Path(__file__).resolve().parents[2]
ORDO = [sys.executable, "-c", "from core.console import main; main()"]


def read(path: Path) -> EmailMessage:
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


@pytest.fixture
def sink(tmp_path):
    port = free_port()
    controller = mailsink.start("127.0.0.1", port, tmp_path / "mail")
    yield port, tmp_path / "mail"
    controller.stop()


def test_the_worker_sends_the_outbox_to_the_sink_which_keeps_each_email_as_an_eml_file(make_app, sink):
    port, folder = sink
    app = make_app({"ORDO_SMTP_HOST": "127.0.0.1", "ORDO_SMTP_PORT": port})
    with app.app_context():
        company = factories.company()
        message = enqueue(company_id=company.id, recipient="wang@example.cn", subject="订单 SO20261207-0001 已确认",
                          body="王经理您好：\n您的订单已确认。", kind="order_confirmation")
        commit()

        run = Worker(collect_jobs(registry())).run("outbox.send", force=True)

        assert run is not None and run.result == "sent 1, to retry 0, given up 0"
        files = sorted(folder.glob("*.eml"))
        assert len(files) == 1
        received = read(files[0])
        assert received["To"] == "wang@example.cn"
        assert received["Subject"] == "订单 SO20261207-0001 已确认"
        assert received["Message-ID"] == message.message_id
        assert "您的订单已确认" in received.get_content()
        sent = reload(message)
        assert sent.status == OutboxStatus.SENT
        assert sent.smtp_answer == f"2.0.0 Ok: kept as {files[0].name}"


def test_every_message_gets_a_file_of_its_own(sink):
    port, folder = sink
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        for n in range(3):
            email = EmailMessage()
            email["From"], email["To"], email["Subject"] = "ordo@localhost", f"buyer{n}@example.cn", f"notice {n}"
            email.set_content("-")
            smtp.send_message(email)

    assert sorted(read(path)["Subject"] for path in folder.glob("*.eml")) == ["notice 0", "notice 1", "notice 2"]
    assert list(folder.glob("*.part")) == []


def test_ordo_mailsink_listens_where_the_outbox_sends_until_it_is_stopped(tmp_path, database_url):
    port = free_port()
    env = {**os.environ, "ORDO_SMTP_HOST": "127.0.0.1", "ORDO_SMTP_PORT": str(port),
           "ORDO_INSTANCE_PATH": str(tmp_path), "ORDO_DATABASE_URL": database_url}
    sink = subprocess.Popen([*ORDO, "mailsink"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                smtp = smtplib.SMTP("127.0.0.1", port, timeout=5)
                break
            except OSError:
                assert sink.poll() is None, sink.communicate()
                assert time.monotonic() < deadline, "ordo mailsink did not start listening"
                time.sleep(0.2)
        with smtp:
            smtp.sendmail("ordo@localhost", ["li@example.cn"], b"Subject: hello\r\n\r\nbody\r\n")
    finally:
        sink.send_signal(signal.SIGTERM)
        out, err = sink.communicate(timeout=30)

    assert sink.returncode == 0, err
    assert f"Keeping the emails sent to 127.0.0.1:{port} in {tmp_path / 'mail'}" in out
    assert [read(path)["Subject"] for path in (tmp_path / "mail").glob("*.eml")] == ["hello"]


def test_ordo_mailsink_says_so_when_the_port_is_taken(tmp_path, database_url, sink):
    port, _folder = sink
    result = subprocess.run([*ORDO, "mailsink", "--port", str(port)], cwd=ROOT,
                            env={**os.environ, "ORDO_INSTANCE_PATH": str(tmp_path), "ORDO_DATABASE_URL": database_url},
                            capture_output=True, text=True, timeout=60)

    assert result.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
