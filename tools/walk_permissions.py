"""The main job's walk through permissions: two users who are no administrators, each given
DiskCreator on the stack's domain; one logs in as the official SDK does (an SSO token from
``/ovirt-engine/sso/oauth/token``, then ``Authorization: Bearer``), adds a disk and sees it turn
``ok``; his list holds only his disk, the other user's disk answers 404, a change to the provider
403; the administrator then reads the events of it all. Passwords are made for the walk and never
printed; the users, their disks and the token go at the end. Run by ``tools/main-job``.

    .venv/bin/python tools/walk_permissions.py URL [--password-file FILE]
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from typing import Any
from urllib.parse import urlsplit

import requests
from walk_disks import PASSWORD_FILE, GiB, Walk

USERS = ("dora", "eve")


def add_user(walk: Walk, name: str) -> str:
    """A fresh user ``name`` (one a previous run left is removed first); his password is returned."""
    for user in walk.call("GET", "/users", 200, params={"search": f"name={name}"}).json():
        walk.call("DELETE", f"/users/{user['id']}", 204)
    password = secrets.token_urlsafe(18)
    walk.call("POST", "/users", 201, json={"user_name": name, "password": password})
    return password


def disk_body(domain_id: str, alias: str) -> dict[str, Any]:
    return {"alias": alias, "provisioned_size": GiB, "storage_domains": {"storage_domain": [{"id": domain_id}]},
            "openstack_volume_type": {"name": os.environ.get("OVIRT_STACK_VOLUME_TYPE_FAKE", "fake")}}  # fmt: skip


def token_session(url: str, name: str, password: str) -> tuple[requests.Session, str]:
    """A session carrying an SSO token, obtained as the SDK does (form body, JSON answer)."""
    parts = urlsplit(url)
    answer = requests.post(
        f"{parts.scheme}://{parts.netloc}/ovirt-engine/sso/oauth/token",
        data={"grant_type": "password", "scope": "ovirt-app-api", "username": f"{name}@internal", "password": password},
        headers={"Accept": "application/json"}, timeout=30,
    ).json()  # fmt: skip
    if "access_token" not in answer:
        sys.exit(f"no token for {name}: {answer.get('error')}: {answer.get('error_description')}")
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {answer['access_token']}"
    print(f"$ POST /ovirt-engine/sso/oauth/token (grant_type=password, username={name}@internal): "
          f"a {answer['token_type']} token, valid until epoch {answer['exp']} (not shown)")  # fmt: skip
    return session, answer["access_token"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--password-file", default=PASSWORD_FILE, help="where the admin's password is kept")
    args = parser.parse_args()
    walk = Walk(args.url, args.password_file)
    domain = next(d for d in walk.call("GET", "/storagedomains", 200).json() if d["name"] == "stack-cinder")
    newest = walk.call("GET", "/events", 200, params={"max": 1}).json()
    since = newest[0]["id"] if newest else "0"  # the events of this walk: those after it
    passwords = {name: add_user(walk, name) for name in USERS}
    for name in USERS:
        walk.call("POST", f"/storagedomains/{domain['id']}/permissions", 201,
                  json={"role": {"name": "DiskCreator"}, "user": {"name": name}})  # fmt: skip
    print(f"  users {' and '.join(USERS)} (no administrators), each DiskCreator on storage domain stack-cinder")
    eve = requests.Session()
    eve.auth = ("eve", passwords["eve"])
    eves = eve.post(f"{walk.url}/disks", json=disk_body(domain["id"], "eve-disk"), timeout=60).json()
    walk.watch(eves["id"], "ok")
    dora, token = token_session(walk.url, "dora", passwords["dora"])
    added = dora.post(f"{walk.url}/disks", json=disk_body(domain["id"], "dora-disk"), timeout=60)
    if added.status_code != 201:
        sys.exit(f"dora's disk: {added.status_code} {added.text}")
    print(f"$ POST /api/disks as dora (Bearer): 201, disk {added.json()['id']} {added.json()['status']['state']}")
    walk.watch(added.json()["id"], "ok")
    listed = [d["alias"] for d in dora.get(f"{walk.url}/disks", timeout=30).json()]
    print(f"$ GET /api/disks as dora: {listed} (filtered: only what her permissions show)")
    if listed != ["dora-disk"]:
        sys.exit(f"dora's list should hold only her disk, not {listed}")
    other = dora.get(f"{walk.url}/disks/{eves['id']}", timeout=30)
    print(f"$ GET /api/disks/{eves['id']} (eve's) as dora: {other.status_code} {other.json()['message']}")
    provider = walk.call("GET", "/openstackvolumeproviders", 200).json()[0]
    changed = dora.put(f"{walk.url}/openstackvolumeproviders/{provider['id']}", json={"description": "dora's"},
                       timeout=30)  # fmt: skip
    print(f"$ PUT /api/openstackvolumeproviders/{provider['id']} as dora: {changed.status_code} "
          f"{changed.json()['message']}")  # fmt: skip
    if (other.status_code, changed.status_code) != (404, 403):
        sys.exit("eve's disk must be hidden from dora (404) and the provider refused to her (403)")
    events = walk.call("GET", "/events", 200, params={"search": "user=dora", "from": since}).json()
    print(f"$ GET /api/events?search=user=dora&from={since} as admin:")
    for event in reversed(events):
        print(f"    {event['id']:>6} {event['severity']:8} {event['code']:>5} {event['description']}")
    parts = urlsplit(walk.url)
    requests.post(f"{parts.scheme}://{parts.netloc}/ovirt-engine/services/sso-logout", data={"token": token},
                  timeout=30)  # fmt: skip
    revoked = dora.get(f"{walk.url}/disks", timeout=30).status_code
    print(f"$ POST /ovirt-engine/services/sso-logout: the token is revoked (the next call answers {revoked})")
    for disk_id in (eves["id"], added.json()["id"]):
        walk.call("DELETE", f"/disks/{disk_id}", 204)
    for name in USERS:
        for user in walk.call("GET", "/users", 200, params={"search": f"name={name}"}).json():
            walk.call("DELETE", f"/users/{user['id']}", 204)
    print("  the disks and the users removed (their permissions with them)")


if __name__ == "__main__":
    main()
