"""How the embedded DynamoDB differs from stock moto 5.2.5: the same semantics, in bounded time and memory.

- Transactions. moto deep-copies every table a TransactWriteItems touches, on every call, to roll back a
  cancelled one: each redemption cost time and memory in proportion to the ledger. The server runs one request at a
  time (aws_server.SerializedApp), so an undo log is enough: before an action changes an item, keep a copy of that
  one item (or the fact that it did not exist); a cancelled transaction puts exactly those items back.
- Instance tracking. moto's BaseModel appends every instance ever made to a class-level list (for its /moto-api
  data view), so every DynamoDB item, every copy and every update's "old item" stayed alive for good. DynamoDB's
  models are not tracked here; the other services' (SES mails in the local outbox) still are.
- Changed items. Every item a request puts, updates or deletes is noted in `changed`, so that the journal can
  record the items' new state (a redo log) instead of the request, which would be as slow to replay as to serve.
- Empty buckets. moto keeps a table's items in a defaultdict: reading or deleting a missing key of a table with a
  sort key left an empty dict behind, one per lookup of an unknown key.
- Projections. moto's `Item.project` converted the whole item once per projected attribute name, so a Query
  asking for 40 of an item's 190 attributes cost 40 whole-item conversions per item returned (the reports ask for
  their buckets only). For top-level names, the item is converted once; nested paths take moto's own way.
"""

from __future__ import annotations

import copy
from functools import partial
from typing import Any

_applied = False
_new_value: Any = None
# (table, hash key, sort key) of every item changed since the last `take_changes()`; the server's lock guards it.
changed: dict[tuple[str, str, Any, Any], Any] = {}
tracking = False  # on when a journal wants the changes (aws_server with a data folder)


class _Untracked(list):
    """Takes the place of `instances_tracked`: remembers nothing."""

    def append(self, _item: Any) -> None:
        pass


def apply() -> None:
    global _applied
    if _applied:
        return
    import moto.dynamodb.models.dynamo_type  # noqa: F401 - registers Item in model_data
    from moto.core.base_backend import model_data
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import Table

    for cls in model_data["dynamodb"].values():
        cls.instances_tracked = _Untracked()
    DynamoDBBackend.transact_write_items = transact_write_items
    Table.get_item = _get_item
    Table.delete_item = _delete_item
    original_put, original_update = Table.put_item, DynamoDBBackend.update_item

    def put_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        item = original_put(self, *args, **kwargs)
        _note(self, item.hash_key, item.range_key)
        return item

    def update_item(self: Any, table_name: str, key: Any, *args: Any, **kwargs: Any) -> Any:
        item = original_update(self, table_name, key, *args, **kwargs)
        _note(self.get_table(table_name), item.hash_key, item.range_key)
        return item

    Table.put_item = put_item
    DynamoDBBackend.update_item = update_item
    original_project = Item.project

    def project(self: Any, projection_expressions: list[list[str]]) -> Any:
        names = [path[0] for path in projection_expressions if len(path) == 1 and "[" not in path[0]]
        attrs = {name: self.attrs[name] for name in names if name in self.attrs}
        if len(names) < len(projection_expressions) or any(a.type not in ("S", "N") for a in attrs.values()):
            return original_project(self, projection_expressions)  # nested paths, sets, maps, binary: moto's way
        return Item(hash_key=self.hash_key, range_key=self.range_key,
                    attrs={name: {a.type: a.value} for name, a in attrs.items()})

    Item.project = project
    _applied = True


def _note(table: Any, hash_key: Any, range_key: Any) -> None:
    if tracking:
        changed[(table.region_name, table.name, hash_key, range_key)] = table


def plain(value: Any) -> dict[str, Any]:
    """A stored value as DynamoDB JSON exactly as moto holds it (binary stays bytes; moto's to_json is lossy)."""
    if value.is_list():
        return {"L": [plain(v) for v in value.value]}
    if value.is_map():
        return {"M": {k: plain(v) for k, v in value.value.items()}}
    return {value.type: value.value}


def item_attributes(item: Any) -> dict[str, Any]:
    return {name: plain(value) for name, value in item.attrs.items()}


def restore_item(table: Any, attributes: dict[str, Any]) -> None:
    restore_items(table, [attributes])


def restore_items(table: Any, items: list[dict[str, Any]]) -> None:
    """Put back items as journaled. moto's put_item validates and sizes every attribute again (~1 ms an item, 100 s
    for a town's ledger); a journaled item was validated when it was first written, so it goes straight into the
    table's dicts. A partition is found once per batch by its raw key (moto's key objects hash in Python)."""
    global _new_value
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

    _new_value = partial(DynamoType.__new__, DynamoType)
    new_item = partial(Item.__new__, Item)
    hash_attr, range_attr, stored = table.hash_key_attr, table.range_key_attr, table.items
    partitions: dict[Any, dict[Any, Any]] = {}
    for attributes in items:
        attrs = LimitedSizeDict()
        dict.update(attrs, {name: _value(value) for name, value in attributes.items()})
        item = new_item()
        item.attrs = attrs
        item.hash_key = attrs[hash_attr]  # keys are never updated in place: sharing them is safe
        if range_attr is None:
            item.range_key = None
            stored[item.hash_key] = item
            continue
        item.range_key = attrs[range_attr]
        ((_, raw),) = attributes[hash_attr].items()  # one key type per table: the raw value names the partition
        partition = partitions.get(raw)
        if partition is None:
            partition = partitions[raw] = stored[item.hash_key]
        partition[item.range_key] = item


def _value(typed: dict[str, Any]) -> Any:
    """DynamoType(typed), without its per-call type checks: a snapshot builds millions of these."""
    ((kind, raw),) = typed.items()
    value = _new_value()
    value.type = kind
    if kind == "L":
        value.value = [_value(v) for v in raw]
    elif kind == "M":
        value.value = {k: _value(v) for k, v in raw.items()}
    else:
        value.value = raw
    return value


def take_changes() -> list[dict[str, Any]]:
    """The changed items' current state ({"put": attributes} or {"delete": key}), and forget them."""
    out = []
    for (region, name, hash_key, range_key), table in changed.items():
        item = _get_item(table, hash_key, range_key)
        if item is not None:
            out.append({"region": region, "table": name, "put": item_attributes(item)})
        else:
            key = {table.hash_key_attr: plain(hash_key)}
            if range_key is not None:
                key[table.range_key_attr] = plain(range_key)
            out.append({"region": region, "table": name, "delete": key})
    changed.clear()
    return out


def _get_item(self: Any, hash_key: Any, range_key: Any = None, projection_expression: Any = None) -> Any:
    from moto.dynamodb.exceptions import MockValidationException

    if self.has_range_key and not range_key:
        raise MockValidationException("Table has a range key, but no range key was passed into get_item")
    if range_key:
        bucket = self.items.get(hash_key)
        result = bucket.get(range_key) if bucket is not None else None
    else:
        result = self.items.get(hash_key)
    if projection_expression and result:
        result = result.project(projection_expression)
    return result


def _delete_item(self: Any, hash_key: Any, range_key: Any) -> Any:
    if range_key:
        bucket = self.items.get(hash_key)
        item = bucket.pop(range_key, None) if bucket is not None else None
        if bucket is not None and not bucket:
            del self.items[hash_key]
    else:
        item = self.items.pop(hash_key, None)
    _note(self, hash_key, range_key)
    if item is not None and self.stream_shard is not None:
        self.stream_shard.add(item, None)
    return item


class _UndoLog:
    """The items a transaction is about to change, as they were; `rollback` restores them in reverse order."""

    def __init__(self) -> None:
        self._entries: list[tuple[Any, Any, Any, Any]] = []
        self._seen: set[tuple[str, Any, Any]] = set()
        self._streams: dict[str, tuple[Any, int]] = {}

    def remember(self, table: Any, hash_value: Any, range_value: Any) -> None:
        key = (table.name, hash_value, range_value)
        if key in self._seen:
            return
        self._seen.add(key)
        before = _get_item(table, hash_value, range_value)
        self._entries.append((table, hash_value, range_value, copy.deepcopy(before)))
        if table.stream_shard is not None and table.name not in self._streams:
            self._streams[table.name] = (table.stream_shard, len(table.stream_shard.items))

    def rollback(self) -> None:
        for table, hash_value, range_value, before in reversed(self._entries):
            if before is None:
                if range_value:
                    bucket = table.items.get(hash_value)
                    if bucket is not None:
                        bucket.pop(range_value, None)
                        if not bucket:
                            del table.items[hash_value]
                else:
                    table.items.pop(hash_value, None)
            elif range_value:
                table.items[hash_value][range_value] = before
            else:
                table.items[hash_value] = before
        for shard, length in self._streams.values():
            del shard.items[length:]


def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    """moto's transact_write_items with the whole-table deep copies replaced by an undo log (see module doc)."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    undo = _UndoLog()
    target_items: set[tuple[str, str]] = set()

    def check_unicity(table_name: str, key: dict[str, Any]) -> None:
        item = (str(table_name), str(dict(sorted(key.items()))))
        if item in target_items:
            raise MultipleTransactionsException()
        target_items.add(item)

    errors: list[tuple[Any, Any, Any]] = []  # [(Code, Message, Item), ..] as moto reports them
    for item in transact_items:
        original_item: dict[str, Any] | None = None
        if len(list(item.keys())) > 1:
            raise TransactWriteSingleOpException
        try:
            op_type, op = next(iter(item.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table_name = op["TableName"]
            condition_expression = op.get("ConditionExpression")
            names = op.get("ExpressionAttributeNames")
            values = op.get("ExpressionAttributeValues")
            if op_type == "Put":
                attrs = op["Item"]
                table = self.get_table(table_name)
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]
            check_unicity(table_name, key)
            table = self.get_table(table_name)
            hash_value, range_value = self.get_keys_value(table, key)
            current = table.get_item(hash_value, range_value)
            if condition_expression is not None:
                condition_op = get_filter_expression(condition_expression, names, values)
                if not condition_op.expr(current):
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)
            if op_type != "ConditionCheck":
                undo.remember(table, hash_value, range_value)
            if op_type == "Put":
                self.put_item(table_name, op["Item"], condition_expression=condition_expression,
                              expression_attribute_names=names, expression_attribute_values=values)
            elif op_type == "Delete":
                self.delete_item(table_name, key, condition_expression=condition_expression,
                                 expression_attribute_names=names, expression_attribute_values=values)
            elif op_type == "Update":
                self.update_item(table_name, key, update_expression=op["UpdateExpression"],
                                 condition_expression=condition_expression, expression_attribute_names=names,
                                 expression_attribute_values=values)
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            undo.rollback()
            raise
        except ConditionalCheckFailed as e:
            errors.append(("ConditionalCheckFailed", str(e.message), original_item))
        except Exception as e:  # noqa: BLE001 - moto reports any other failure as a cancellation reason too
            errors.append((type(e).__name__, str(e), original_item))
    if any(code is not None for code, _, _ in errors):
        undo.rollback()
        raise TransactionCanceledException(errors)
