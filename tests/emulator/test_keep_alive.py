"""Connections: by default every answer closes its connection (as Quay's own nginx does for
``/api/``); with ``--idle-close-seconds 2`` connections are kept alive and one idle for 2 s is
closed, as Quay straight under gunicorn does, so a client reusing it just then gets a reset."""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.emulator import TOKENS, Emulator, start_emulator

DROPPED = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
HEADERS = {"Authorization": f"Bearer {TOKENS['alice']}"}


@pytest.fixture(scope="module")
def closing_idle() -> Iterator[Emulator]:
    proc, emulator = start_emulator("--idle-close-seconds", "2")
    yield emulator
    proc.terminate()
    proc.wait(timeout=10)


def connect(emulator: Emulator) -> http.client.HTTPConnection:
    host, port = emulator.url.removeprefix("http://").split(":")
    return http.client.HTTPConnection(host, int(port), timeout=10)


def get(connection: http.client.HTTPConnection, path: str = "/api/v1/user/") -> Any:
    connection.request("GET", path, headers=HEADERS)
    response = connection.getresponse()
    response.read()
    return response


def test_by_default_every_answer_closes_its_connection(emulator: Emulator) -> None:
    connection = connect(emulator)
    response = get(connection)
    assert response.status == 200
    assert response.getheader("Connection") == "close"


def test_a_connection_is_kept_alive_while_it_is_used(closing_idle: Emulator) -> None:
    connection = connect(closing_idle)
    first = get(connection)
    assert (first.status, first.getheader("Connection")) == (200, "keep-alive")
    used = connection.sock
    body = {"sync_interval": 7200}
    connection.request(  # a body the handler refuses unread (no token) must not break the next
        "PUT", "/api/v1/repository/acme/nginx/mirror", body=str(body), headers={}
    )
    assert connection.getresponse().read() and connection.sock is used
    for _ in range(3):
        assert get(connection).status == 200
        assert connection.sock is used  # the same connection each time


def test_a_connection_idle_for_2_s_is_closed_and_reusing_it_fails(
    closing_idle: Emulator,
) -> None:
    connection = connect(closing_idle)
    assert get(connection).status == 200
    time.sleep(2.5)
    with pytest.raises(DROPPED):
        get(connection)


def test_the_server_closes_an_idle_socket_itself(closing_idle: Emulator) -> None:
    host, port = closing_idle.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        raw.sendall(b"GET /_emulator/config HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += raw.recv(65536)
        assert b"Connection: keep-alive" in answer
        started = time.monotonic()
        while raw.recv(65536):  # the rest of the answer, then the server's close
            pass
        assert 1.5 < time.monotonic() - started < 4
