"""What the Lambda functions may do, in one declarative place. The template's IAM roles are built from this alone:
one role per function, the API function's from the tables below, each scheduled or event function's from
JOB_GRANTS (so the hourly WLAN job cannot redeem a voucher, and the payment reconciler cannot read WLAN keys).

Each domain adds its own lines when it adds a table, an index query, a secret or a stream (the template test fails
for a model without an entry here, and the access test fails when code calls an action that is not listed).
Transactions need no action of their own: IAM checks each item (Put -> PutItem, Update -> UpdateItem,
Delete -> DeleteItem, ConditionCheck -> ConditionCheckItem); BatchWriteItem is its own action.
"""

from __future__ import annotations

from typing import NamedTuple

GET, PUT, UPDATE, DELETE = "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"
QUERY, SCAN, BATCH_WRITE, CHECK = "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchWriteItem", \
    "dynamodb:ConditionCheckItem"
BATCH_GET = "dynamodb:BatchGetItem"

# What the API function may do. Table logical name (chalicelib/store/tables.py models' `table_meta(...)`) ->
# actions on the table itself.
TABLE_ACTIONS: dict[str, list[str]] = {
    "credentials": [GET, PUT, UPDATE, DELETE],  # auth lookup; retailer register/edit/rotate/disable transactions
    "idempotency": [GET, PUT, UPDATE],  # replayed answers; admin issuing marks its batch done
    "rate-limits": [UPDATE],  # one conditional ADD per request
    "vouchers": [GET, PUT, UPDATE, CHECK, BATCH_GET],  # issue, redeem, block, expire; order status; CHECK: the
    # links of a re-issue chain a reversal is forwarded along
    "ledger": [GET, PUT, QUERY],  # immutable: never UpdateItem/DeleteItem
    "retailers": [GET, PUT, UPDATE, CHECK, BATCH_GET],  # ConditionCheck in the redemption; the shop list is an index
    # Query; BatchGetItem: the shop names on a voucher's spending history
    # Report totals: ADDed inside the money's own transactions; a report is one Query, a statement one GetItem.
    # (`marktplatz totals check|rebuild` scans and rewrites them with the operator's credentials, not this role.)
    "voucher-month-totals": [GET, UPDATE, QUERY],  # (the month closings are the job's)
    "voucher-zone-days": [UPDATE, QUERY],  # the dashboard's redemption series: hours
    "voucher-day-totals": [UPDATE, QUERY],  # the Übersicht's "today"
    "voucher-zone-months": [UPDATE, QUERY],  # and days (the job writes the closed months' zone rollups)
    # payments
    "orders": [GET, PUT, UPDATE, BATCH_GET],
    "campaigns": [PUT, UPDATE, SCAN],  # budget decrement inside the order's transaction
    # WLAN
    "wlan-gateways": [GET, PUT, UPDATE, SCAN],
    "wlan-grants": [GET, PUT, UPDATE, DELETE, QUERY, CHECK, BATCH_WRITE],  # authmon queue per gateway
    "wlan-sessions": [GET, PUT, UPDATE],
    "wlan-daily-keys": [GET, PUT],  # today's key, made on the first arrival (the hourly job destroys past days')
    "wlan-devices": [PUT],  # a device's marker of the day, in the arrival's transaction (the job deletes them)
    "wlan-hourly": [UPDATE, QUERY],  # counters; footfall's stats read them per zone
    # footfall
    "footfall-zones": [PUT, SCAN, BATCH_GET],
    "footfall-sensors": [GET, PUT, UPDATE, SCAN],
    "footfall-measurements": [BATCH_WRITE],  # raw records; re-sent intervals overwrite
    "footfall-hourly": [UPDATE, BATCH_WRITE],
    "footfall-daily": [UPDATE, QUERY, BATCH_WRITE],
    "footfall-events": [PUT, QUERY],
    "footfall-marketing-users": [GET, PUT, UPDATE, SCAN],
    # back office: staff, sessions, sign-in throttling, the audit log and closed settlement months
    "staff": [GET, PUT, UPDATE, SCAN],
    "staff-sessions": [GET, PUT, UPDATE, DELETE],  # UpdateItem only refreshes last_seen
    "staff-signin-failures": [BATCH_GET, UPDATE],
    # Audit entries are created with attribute_not_exists (UpdateItem when riding in a transaction, as the last item);
    # no code path updates or deletes one, and there is no DeleteItem grant.
    "audit": [PUT, UPDATE, QUERY],
    "closed-months": [GET, PUT],  # written once when a month is closed
}

# Table logical name -> index names the code queries (Query on `<table arn>/index/<name>`, nothing else).
INDEX_QUERIES: dict[str, list[str]] = {
    "ledger": ["by-retailer"],  # a retailer's own history
    "vouchers": ["expiry-due"],  # the expiry job
    "retailers": ["listed"],  # the shop list
    "orders": ["by-payment-intent", "refund-due", "by-email", "open-dispute"],  # refund-due: failed ones too
    "audit": ["by-object"],
    "wlan-grants": ["waiting"],
}

# Tables whose stream a function reads (`@app.on_dynamodb_record`, see infra/README.md "Streams"); the reading
# function names the stream in its JOB_GRANTS entry.
STREAM_READERS: list[str] = []
STREAM_ACTIONS = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                  "dynamodb:ListStreams"]

# Secrets Manager secrets (`settings.secret(name)` reads `<prefix><name>`) -> actions. Values are set by the
# operator (infra/README.md); the template creates them empty, never with a value.
SECRETS: dict[str, list[str]] = {
    "admin-token": ["secretsmanager:GetSecretValue"],  # generated by CloudFormation: nobody types it in
    "voucher-keys": ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],  # key ring; rotation
    "stripe": ["secretsmanager:GetSecretValue"],  # {"secret_key", "publishable_key", "webhook_secret"}
    "cursor-key": ["secretsmanager:GetSecretValue"],  # HMAC key of page cursors; generated, never typed in
}
# (openNDS faskeys are per gateway and live in the wlan-gateways table, written through the admin API.)
# Secret -> JSON key of a value CloudFormation generates.
GENERATED_SECRETS = {"admin-token": "token", "cursor-key": "key"}

# Other AWS calls the functions make, with the narrowest resource they allow.
EXTRA_STATEMENTS: list[dict] = [
    # Voucher mails (payments/delivery.py, SES v2 SendEmail): only from the configured sender, whether SES has it
    # verified as an address or as its domain.
    {"Sid": "SendVoucherMails", "Effect": "Allow", "Action": ["ses:SendEmail"], "Resource": [
        {"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${MailFrom}"},
        {"Fn::Sub": ["arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${Domain}",
                     {"Domain": {"Fn::Select": [1, {"Fn::Split": ["@", {"Ref": "MailFrom"}]}]}}]}]},
]


class Grants(NamedTuple):
    """What one function may do; the same shapes as the API function's declarations above."""

    tables: dict[str, list[str]]
    indexes: dict[str, list[str]] = {}
    streams: list[str] = []
    secrets: dict[str, list[str]] = {}
    extra: list[str] = []  # Sids of EXTRA_STATEMENTS


API_FUNCTION = "api_handler"  # Chalice's name for the function behind API Gateway

# Scheduled and event functions (their Chalice names) -> exactly what each calls. A function not named here may
# write its own logs and nothing else. The access test records which function makes each call.
JOB_GRANTS: dict[str, Grants] = {
    "destroy_wlan_day_keys": Grants({"wlan-daily-keys": [SCAN, DELETE], "wlan-devices": [SCAN, DELETE]}),
    "reconcile_payments": Grants(
        {"orders": [GET, UPDATE], "vouchers": [PUT], "ledger": [PUT], "voucher-month-totals": [UPDATE],
         "voucher-day-totals": [UPDATE]},
        # issue a paid order's vouchers, once, with the sale in the month totals
        indexes={"orders": ["refund-due", "awaiting-payment"]},  # refunds to retry; unpaid orders to expire
        # Stripe's API key to list payments; the signing key for the vouchers it issues (read only: no rotation).
        secrets={"stripe": ["secretsmanager:GetSecretValue"], "voucher-keys": ["secretsmanager:GetSecretValue"]},
        extra=["SendVoucherMails"]),
    # Books expiries (ledger entry + voucher + totals in one transaction) and closes finished months: the month
    # closings, and per zone (the town's zones and its shops') a rollup of the month's redemptions.
    "voucher_bookkeeping": Grants(
        {"vouchers": [UPDATE], "ledger": [PUT], "voucher-month-totals": [GET, PUT, UPDATE, QUERY],
         "voucher-zone-months": [PUT, QUERY], "footfall-zones": [SCAN]},
        indexes={"vouchers": ["expiry-due"], "retailers": ["listed"]}),
}


def grants_for(function: str) -> Grants:
    if function == API_FUNCTION:
        return Grants(TABLE_ACTIONS, INDEX_QUERIES, [], SECRETS, [s["Sid"] for s in EXTRA_STATEMENTS])
    return JOB_GRANTS.get(function, Grants({}))
