"""The embedded AWS stand-in's durability: a journal of successful writes, replayed at start, compacted now and then.

    <data dir>/snapshot.jsonl     the whole state at one point: each DynamoDB table (as its CreateTable request, TTL)
                                  with every item, and the other services' writes (SES identities and mails)
    <data dir>/journal-<n>.jsonl  every successful write since that snapshot, in order, one JSON object a line

A DynamoDB write is journaled as the new state of the items it changed (a redo log: replaying a put of the result
costs microseconds, re-running moto's expression engine milliseconds); table changes and the other services' writes
as the request itself. A line is appended and fsynced before the answer leaves the server (aws_server.SerializedApp
runs one request at a time), so whatever a client was told survives `kill -9`. A torn last line (a crash mid-append)
was never answered and is dropped.

Compaction first starts the next journal (every later write goes there), then writes the state as it was at that
moment into a new snapshot beside the old one, naming that next journal in it, renames it into place and only then
deletes the older journals: a crash at any step leaves a snapshot and the journals that follow it. While serving (and
after a long replay at start) the snapshot is written by a forked child: it holds a copy-on-write image of the store
at the switch of journals, so the server goes on answering while a snapshot of any size is written, and nothing the
server does meanwhile can tear it. The child dies with the server (PR_SET_PDEATHSIG); a half-written snapshot is only
ever the `.tmp` file.

Start-up time is the snapshot's size: items are built straight into moto's tables (moto_dynamodb.restore_items), a
thousand to a line, with the cyclic garbage collector paused (it would otherwise walk the growing heap again and
again); the loaded objects are then frozen out of its sight (gc.freeze), which keeps later collections short too.
"""

from __future__ import annotations

import base64
import ctypes
import functools
import gc
import io
import json
import os
import queue
import re
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

SNAPSHOT = "snapshot.jsonl"
JOURNAL = re.compile(r"^journal-(\d+)\.jsonl$")
COMPACT_AFTER = 20_000  # journal lines, each replayed at start; a snapshot holds each item once, however often written
REPLAY_COMPACT = 1000  # replayed at start: compact then (in the background), rather than replay them again next time
ITEMS_PER_LINE = 1000  # snapshot items per line: one json.loads per thousand items, not per item
PR_SET_PDEATHSIG = 1
READS = ("Get", "Describe", "List", "Query", "Scan", "BatchGet", "TransactGet")
ITEM_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems", "ExecuteStatement",
               "BatchExecuteStatement", "ExecuteTransaction"}
KEPT_HEADERS = ("HTTP_HOST", "HTTP_AUTHORIZATION", "HTTP_X_AMZ_TARGET", "CONTENT_TYPE", "HTTP_X_AMZ_DATE")
ACCOUNT = "123456789012"  # moto's default account: the only one the local stack uses

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Any]


def operation(environ: dict[str, Any], body: bytes) -> str:
    """The AWS operation a request asks for: JSON protocols name it in X-Amz-Target, query protocols in Action."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return action[0]
    return f"{environ.get('REQUEST_METHOD', 'GET')} {environ.get('PATH_INFO', '')}"


def journal_line(environ: dict[str, Any], body: bytes, changes: list[dict[str, Any]]) -> dict[str, Any] | None:
    """What to journal for a request that succeeded: its item changes, the request itself, or nothing (a read)."""
    if environ.get("REQUEST_METHOD") in ("GET", "HEAD", "OPTIONS") or environ.get("PATH_INFO", "").startswith(
            "/moto-api/"):  # moto's own controls (reset, data view) are not data
        return None
    op = operation(environ, body)
    if "DynamoDB" in environ.get("HTTP_X_AMZ_TARGET", "") and op in ITEM_WRITES:
        return {"kind": "items", "changes": changes} if changes else None
    if op.startswith(READS):
        return None
    return {"kind": "request", "request": {
        "method": environ["REQUEST_METHOD"], "path": environ.get("PATH_INFO", "/"),
        "query": environ.get("QUERY_STRING", ""), "headers": {k: environ[k] for k in KEPT_HEADERS if environ.get(k)},
        "body": body.decode("utf-8", "surrogateescape")}}


def call(app: WsgiApp, request: dict[str, Any]) -> int:
    """Run one recorded request through the WSGI app, as the server would have; returns the HTTP status."""
    body = request["body"].encode("utf-8", "surrogateescape")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request["method"], "PATH_INFO": request["path"], "QUERY_STRING": request["query"],
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "0", "SERVER_PROTOCOL": "HTTP/1.1", "SCRIPT_NAME": "",
        "REMOTE_ADDR": "127.0.0.1", "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(), "wsgi.url_scheme": "http", "wsgi.version": (1, 0), "wsgi.multithread": False,
        "wsgi.multiprocess": False, "wsgi.run_once": False, **request["headers"]}
    status: list[str] = []
    result = app(environ, lambda s, _headers, _exc=None: status.append(s))
    try:
        b"".join(result)
    finally:
        getattr(result, "close", lambda: None)()
    return int(status[0].split()[0])


def _table(region: str, name: str) -> Any:
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[ACCOUNT][region].get_table(name)


def _apply_changes(changes: list[dict[str, Any]]) -> None:
    from moto.dynamodb.models.dynamo_type import DynamoType

    from devstack.moto_dynamodb import restore_item

    for change in changes:
        table = _table(change["region"], change["table"])
        if "put" in change:
            restore_item(table, change["put"])
        else:
            key = change["delete"]
            range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
            table.delete_item(DynamoType(key[table.hash_key_attr]), range_key)


class Journal:
    def __init__(self, folder: Path, app: WsgiApp, compact_after: int = COMPACT_AFTER) -> None:
        self.folder = folder
        self.app = app
        self.compact_after = compact_after
        self.generation = 0
        self.lines = 0  # in the current journal
        self._file: io.BufferedWriter | None = None
        self._child: int | None = None  # a background compaction

    def open(self) -> dict[str, Any]:
        """Load the snapshot, replay the journals after it, open a fresh journal (and compact in the background after
        a long replay). Returns what it did."""
        from devstack import moto_dynamodb

        self.folder.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        gc.disable()
        try:
            items, first = self._load_snapshot()
            replayed = failed = 0
            journals = sorted((int(m.group(1)), p) for p in self.folder.iterdir() if (m := JOURNAL.match(p.name)))
            for generation, path in journals:
                if generation < first:
                    continue  # already in the snapshot: a compaction stopped after its rename
                for line in _lines(path):
                    if line["kind"] == "items":
                        _apply_changes(line["changes"])
                    else:
                        failed += call(self.app, line["request"]) >= 300
                    replayed += 1
        finally:
            gc.freeze()  # what was loaded lives as long as the store: later collections need not walk it
            gc.enable()
        # Appends go to a new journal, never behind a torn line.
        self.generation = max([first] + [g for g, _ in journals]) + (1 if journals else 0)
        self.lines = replayed
        self._open_journal()
        moto_dynamodb.changed.clear()
        moto_dynamodb.tracking = True
        if replayed >= REPLAY_COMPACT:
            self.compact(background=True)
        return {"items": items, "replayed": replayed, "failed": failed,
                "seconds": round(time.monotonic() - started, 2)}

    def _load_snapshot(self) -> tuple[int, int]:
        from devstack.moto_dynamodb import restore_item, restore_items

        path = self.folder / SNAPSHOT
        if not path.exists():
            return 0, 0
        items = first = 0
        table = None
        for line in _lines(path):
            kind = line["kind"]
            if kind == "item_batch":
                restore_items(table, line["items"])
                items += len(line["items"])
            elif kind == "item":  # one item a line: snapshots written before item batches
                restore_item(table, line["item"])
                items += 1
            elif kind == "header":
                first = line["next_journal"]
            elif kind == "request":
                call(self.app, line["request"])
                if line.get("table"):
                    table = _table(line["region"], line["table"])
        return items, first

    def append(self, line: dict[str, Any]) -> None:
        """Durable before the answer is sent: written and fsynced."""
        assert self._file is not None
        self._file.write(_encode(line))
        self._file.flush()
        os.fsync(self._file.fileno())
        self.lines += 1
        if self.lines >= self.compact_after:
            self.compact(background=True)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def compacting(self) -> bool:
        """Whether a background compaction is still writing its snapshot (a finished one is reaped here)."""
        if self._child is None:
            return False
        pid, status = os.waitpid(self._child, os.WNOHANG)
        if pid == 0:
            return True
        self._child = None
        if os.waitstatus_to_exitcode(status) != 0:  # the old snapshot and every journal after it are still there
            print(f"aws stand-in: a compaction failed ({os.waitstatus_to_exitcode(status)}); the journal is kept and"
                  " compacted later", file=sys.stderr, flush=True)
        return False

    def wait_for_compaction(self) -> None:
        if self._child is not None:
            os.waitpid(self._child, 0)
            self._child = None

    def compact(self, background: bool = False) -> None:
        """Start the next journal, then write the state as it is now as a new snapshot naming that journal and drop
        the journals before it; in a forked child with `background` (the caller holds the server's lock)."""
        if background and self.compacting():
            return  # one at a time: the journal grows a little longer meanwhile
        self.wait_for_compaction()
        self.close()
        following = self.generation + 1
        self.generation = following
        self.lines = 0
        self._open_journal()
        if not background:
            self._write_snapshot(following)
            return
        self._child = _forker().fork(lambda: self._write_snapshot(following))

    def _write_snapshot(self, following: int) -> None:
        """The state now (everything before journal `following`) as the snapshot; then the older journals go."""
        carried = list(self._carried_requests(following))  # read before the files are replaced
        tmp = self.folder / (SNAPSHOT + ".tmp")
        with open(tmp, "wb") as f:
            f.write(_encode({"kind": "header", "next_journal": following, "written_at": time.time()}))
            for line in _dynamodb_state():
                f.write(_encode(line))
            for request in carried:
                f.write(_encode({"kind": "request", "request": request}))
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(self.folder / SNAPSHOT)
        _fsync_dir(self.folder)
        for p in self.folder.iterdir():
            m = JOURNAL.match(p.name)
            if m and int(m.group(1)) < following:
                p.unlink()

    def _carried_requests(self, following: int) -> Iterator[dict[str, Any]]:
        """The other services' writes (SES identities, mails in the local outbox): few, kept as requests. From the
        snapshot and the journals after it up to (not including) `following`, in order."""
        snapshot = self.folder / SNAPSHOT
        first = 0
        if snapshot.exists():
            for line in _lines(snapshot, skip=b'{"kind":"item'):  # items are most of it: not decoded
                if line["kind"] == "header":
                    first = line["next_journal"]
                elif line["kind"] == "request" and not line.get("table"):
                    yield line["request"]
        journals = sorted((int(m.group(1)), p) for p in self.folder.iterdir() if (m := JOURNAL.match(p.name)))
        for generation, path in journals:
            if first <= generation < following:
                for line in _lines(path):
                    if line["kind"] == "request" and "DynamoDB" not in line["request"]["headers"].get(
                            "HTTP_X_AMZ_TARGET", ""):
                        yield line["request"]

    def _open_journal(self) -> None:
        self._file = open(self.folder / f"journal-{self.generation}.jsonl", "ab")  # noqa: SIM115 - open while serving
        _fsync_dir(self.folder)


def _dynamodb_state() -> Iterator[dict[str, Any]]:
    """Each table as a CreateTable request (and UpdateTimeToLive), followed by its items."""
    from moto.dynamodb.models import dynamodb_backends

    from devstack import moto_dynamodb

    for account, regions in list(dynamodb_backends.items()):
        for region, backend in list(regions.items()):
            for table in list(backend.tables.values()):
                auth = (f"AWS4-HMAC-SHA256 Credential=local/20260101/{region}/dynamodb/aws4_request, "
                        "SignedHeaders=host, Signature=0")
                for op, body in _table_requests(table):
                    request = {"method": "POST", "path": "/", "query": "", "body": json.dumps(body), "headers": {
                        "HTTP_AUTHORIZATION": auth, "CONTENT_TYPE": "application/x-amz-json-1.0",
                        "HTTP_X_AMZ_TARGET": f"DynamoDB_20120810.{op}"}}
                    yield {"kind": "request", "account": account, "region": region, "table": table.name,
                           "request": request}
                batch: list[dict[str, Any]] = []
                for item in table.all_items():
                    batch.append(moto_dynamodb.item_attributes(item))
                    if len(batch) == ITEMS_PER_LINE:
                        yield {"kind": "item_batch", "items": batch}
                        batch = []
                if batch:
                    yield {"kind": "item_batch", "items": batch}


def _table_requests(table: Any) -> list[tuple[str, dict[str, Any]]]:
    described = table.describe()["TableDescription"]
    billing = table.billing_mode or "PAY_PER_REQUEST"
    create: dict[str, Any] = {"TableName": table.name, "KeySchema": described["KeySchema"],
                              "AttributeDefinitions": described["AttributeDefinitions"], "BillingMode": billing}
    wanted = ("IndexName", "KeySchema", "Projection")
    if billing == "PROVISIONED":
        create["ProvisionedThroughput"] = {k: described["ProvisionedThroughput"][k]
                                           for k in ("ReadCapacityUnits", "WriteCapacityUnits")}
        wanted += ("ProvisionedThroughput",)
    for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if described.get(kind):
            create[kind] = [{k: idx[k] for k in wanted if k in idx} for idx in described[kind]]
    if described.get("StreamSpecification"):
        create["StreamSpecification"] = described["StreamSpecification"]
    requests = [("CreateTable", create)]
    if table.ttl.get("TimeToLiveStatus") == "ENABLED":
        requests.append(("UpdateTimeToLive", {"TableName": table.name, "TimeToLiveSpecification": {
            "Enabled": True, "AttributeName": table.ttl["AttributeName"]}}))
    return requests


def _lines(path: Path, skip: bytes | None = None) -> Iterator[dict[str, Any]]:
    with open(path, "rb") as f:
        for raw in f:
            if not raw.endswith(b"\n"):
                return  # torn by a crash mid-append: that write was never acknowledged
            if skip is not None and raw.startswith(skip):
                continue
            yield json.loads(raw, object_hook=_bytes_back) if b'"$b"' in raw else json.loads(raw)


def _encode(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, separators=(",", ":"), default=_bytes_out).encode() + b"\n"


def _bytes_out(value: Any) -> Any:
    if isinstance(value, bytes):  # binary attributes: {"$b": base64}
        return {"$b": base64.b64encode(value).decode()}
    raise TypeError(f"cannot journal {type(value).__name__}")


def _bytes_back(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and isinstance(obj.get("$b"), str):
        return base64.b64decode(obj["$b"])
    return obj


class _Forker:
    """Forks the compaction children from one thread that lives as long as the process: a child's PR_SET_PDEATHSIG
    fires when the *thread* that forked it ends, and the server's request threads end with their connections."""

    def __init__(self) -> None:
        self._asked: queue.Queue[tuple[Callable[[], None], queue.Queue[int]]] = queue.Queue()
        threading.Thread(target=self._serve, name="compaction-fork", daemon=True).start()

    def fork(self, work: Callable[[], None]) -> int:
        """Run `work` in a forked child; returns its pid. The caller holds the server's lock meanwhile, so the
        child's image is the store between two requests."""
        answer: queue.Queue[int] = queue.Queue(maxsize=1)
        self._asked.put((work, answer))
        return answer.get()

    def _serve(self) -> None:
        while True:
            work, answer = self._asked.get()
            parent = os.getpid()
            pid = os.fork()
            if pid == 0:  # the child: writes and leaves without any clean-up of the server's objects
                code = 1
                try:
                    _child_of(parent)
                    work()
                    code = 0
                except BaseException:  # noqa: BLE001 - reported; the parent keeps every journal
                    os.write(2, traceback.format_exc().encode())
                finally:
                    os._exit(code)
            answer.put(pid)


@functools.cache
def _forker() -> _Forker:
    return _Forker()


def _child_of(parent: int) -> None:
    """In a forked compaction: die with the server, and hold none of its sockets or signal handlers."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the server died before prctl took effect
        os._exit(1)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_DFL)
    gc.disable()  # a collection would touch (and so copy) every page of the image
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # clients' connections close when the server closes them


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
