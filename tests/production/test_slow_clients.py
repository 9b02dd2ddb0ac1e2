"""Slow and stalled clients through the balancer (issue 21, item 1): HAProxy takes whole
requests before an instance sees them, so 1,000 connections sending a body a byte at a time
and 300 sending their headers a line at a time cost the instances nothing: no instance is
marked down, and people polling a page are answered as fast as ever."""

from __future__ import annotations

import time

from tests.support.shape import Pollers, Shape, p99
from tests.support.slow_clients import SlowClients

ATTACK_SECONDS = 18


def test_slow_bodies_and_headers_take_no_instance_down(shape: Shape):
    person = shape.signed_in("alice")
    path = "/repo/acme/redis/status/"
    assert person.get(shape.url + path, headers={"HX-Request": "true"}, timeout=10).ok
    marked_down = shape.marked_down()
    with SlowClients(shape.balancer.port, bodies=1000, headers=300, seconds=ATTACK_SECONDS) as slow:
        time.sleep(slow.ramp + 1)  # every slow connection is open
        with Pollers(shape, person.cookies, path, clients=20) as pollers:
            time.sleep(ATTACK_SECONDS - slow.ramp - 3)
        most_open = slow.most_open
    answers = pollers.answers
    statuses = sorted({a.status for a in answers})
    print(
        f"slow connections opened {slow.opened} (at most {most_open} at once, "
        f"{slow.failed_to_open} refused); {len(answers)} polls, statuses {statuses}, "
        f"p99 {p99(answers):.3f} s; marked down {marked_down} -> {shape.marked_down()}"
    )
    assert shape.marked_down() == marked_down  # no instance was marked down
    assert all(a.status == 200 for a in answers), [
        (a.status, a.words[:200]) for a in answers if a.status != 200
    ][:5]
    assert len(answers) >= 20 * 10
    assert p99(answers) <= 1.0, sorted(a.seconds for a in answers)[-10:]
    assert most_open >= 1200, slow  # the attack was whole: every slow connection at once
