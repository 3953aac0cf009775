"""A host's libvirt URI is checked when the host is added (in-process engine, SQLite): a malformed
one is a 422 naming ``protocol`` and no host is stored, instead of a 502 at its activation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine import Engine, build_engine


@pytest.fixture
def local(tmp_path: Path) -> Engine:
    return build_engine(tmp_path, "")


@pytest.mark.parametrize("uri", ["a://", "qemu://", "qemu+carrier:///system", "nonsense", "test:/default"])
def test_a_malformed_libvirt_uri_is_refused_before_the_host_is_stored(local: Engine, uri: str) -> None:
    body = {"name": "h", "address": "127.0.0.1", "protocol": uri, "cluster": {"data_center": {"name": "dc1"}}}
    answer = local.request("POST", "/api/hosts", json=body)
    assert answer.status_code == 422, answer.get_json()
    assert answer.get_json()["message"].startswith("protocol: a libvirt URI")
    assert local.request("GET", "/api/hosts").get_json() == []
    good = local.request("POST", "/api/hosts", json={**body, "protocol": "qemu+ssh://root@h1/system"})
    assert good.status_code == 201, good.get_json()
