"""Drives Switchboard's Composio-compatible top-level resources with the official Python SDK.

Run against a Switchboard server:

    COMPOSIO_BASE_URL=http://127.0.0.1:<port> COMPOSIO_API_KEY=<admin key> python composio_resources_smoke.py

It covers tools.get / tools.execute, toolkits.get / list / authorize, connected_accounts.list / get /
link / initiate / delete and auth_configs.list / create, and checks that refusals raise the SDK's own
exception types carrying Switchboard's messages. Exits non-zero on the first failed check.
"""

import uuid

import composio_client
from composio import Composio
from composio.exceptions import ToolNotFoundError, ToolVersionRequiredError

composio = Composio()
user = f"smoke-{uuid.uuid4().hex[:8]}"


def expect_error(kind, call, needle):
    try:
        call()
    except kind as error:
        text = str(error) + str(getattr(error, "__cause__", "") or "")
        assert needle in text, f"{kind.__name__} without {needle!r}: {text}"
        return error
    raise AssertionError(f"expected {kind.__name__}")


# Toolkits
toolkits = composio.toolkits.get()
assert any(item.slug == "backendless" for item in toolkits), toolkits
backendless = composio.toolkits.get("backendless")
assert backendless.slug == "backendless" and backendless.meta.tools_count > 0
assert [detail.mode for detail in backendless.auth_config_details] == ["API_KEY"]
assert composio.toolkits.list(limit=1).total_items == len(toolkits)
expect_error(composio_client.NotFoundError, lambda: composio.toolkits.get("no-such-toolkit"), "no-such-toolkit")

# Tools: raw schemas and the provider-wrapped (OpenAI function) form
raw = composio.tools.get_raw_composio_tools(toolkits=["backendless"])
assert raw and all(tool.toolkit.slug == "backendless" for tool in raw)
wrapped = composio.tools.get(user, toolkits=["bitbucket"])
assert wrapped[0]["type"] == "function" and wrapped[0]["function"]["parameters"]["type"] == "object"
by_slug = composio.tools.get(user, tools=["BITBUCKET_CREATE_BRANCH"])
assert [tool["function"]["name"] for tool in by_slug] == ["BITBUCKET_CREATE_BRANCH"]
found = composio.tools.get(user, search="create branch", toolkits=["bitbucket"])
assert found[0]["function"]["name"] == "BITBUCKET_CREATE_BRANCH", [tool["function"]["name"] for tool in found]
assert composio.tools.get_raw_composio_tool_by_slug("BITBUCKET_CREATE_BRANCH").version == "1.0.0"
expect_error(ToolNotFoundError, lambda: composio.tools.get_raw_composio_tool_by_slug("BITBUCKET_NOPE"), "BITBUCKET_NOPE")
expect_error(composio_client.NotFoundError, lambda: composio.tools.get(user, tools=["BITBUCKET_NOPE"]), "BITBUCKET_NOPE")

# Execute: the SDK insists on a version (or dangerously_skip_version_check=True)
expect_error(ToolVersionRequiredError, lambda: composio.tools.execute("BITBUCKET_LIST_WORKSPACES", {}, user_id=user), "version")
not_connected = expect_error(
    composio_client.APIStatusError,
    lambda: composio.tools.execute("BITBUCKET_LIST_WORKSPACES", {}, user_id=user, dangerously_skip_version_check=True),
    "connect",
)
assert not_connected.status_code == 409, not_connected.status_code
expect_error(
    composio_client.BadRequestError,
    lambda: composio.tools.execute("BITBUCKET_LIST_WORKSPACES", {}, user_id=user, version="0.9.0"),
    "1.0.0",
)

# Auth configs
created = composio.auth_configs.create("backendless", {"type": "use_custom_auth", "auth_scheme": "API_KEY"})
assert created.id.startswith("ac_") and created.auth_scheme == "API_KEY"
managed = composio.auth_configs.create("bitbucket", {"type": "use_composio_managed_auth"})
assert managed.auth_scheme == "BASIC"
listed = composio.auth_configs.list(toolkit_slug="backendless")
assert created.id in [item.id for item in listed.items]
expect_error(
    composio_client.BadRequestError,
    lambda: composio.auth_configs.create("backendless", {"type": "use_custom_auth", "auth_scheme": "API_KEY", "credentials": {"api_key": "x"}}),
    "credentials.api_key",
)
before = composio.auth_configs.list(toolkit_slug="backendless").total_items
assert before == listed.total_items, "a refused create left an auth config behind"

# Connected accounts: link → INITIATED account, list / get / delete
request = composio.connected_accounts.link(user, created.id, callback_url="https://example.com/done")
assert request.redirect_url and "/connect/lt_" in request.redirect_url and request.id.startswith("ca_")
account = composio.connected_accounts.get(request.id)
assert account.status == "INITIATED" and account.user_id == user and account.toolkit.slug == "backendless"
mine = composio.connected_accounts.list(user_ids=[user], toolkit_slugs=["backendless"], statuses=["INITIATED"])
assert [item.id for item in mine.items] == [request.id]
assert composio.connected_accounts.list(user_ids=[user], statuses=["ACTIVE"]).items == []
expect_error(composio_client.NotFoundError, lambda: composio.connected_accounts.link(user, "ac_missing"), "auth_configs.create")
assert composio.connected_accounts.delete(request.id).success is True
expect_error(composio_client.NotFoundError, lambda: composio.connected_accounts.get(request.id), request.id)

# Initiate: toolkits.authorize finds (or creates) the toolkit's auth config and answers a link to the
# hosted connect page; connected_accounts.initiate with credentials connects at once.
authorized = composio.toolkits.authorize(user_id=user, toolkit="backendless")
assert authorized.id.startswith("ca_") and authorized.status == "INITIATED", (authorized.id, authorized.status)
assert authorized.redirect_url and "/connect/lt_" in authorized.redirect_url, authorized.redirect_url
pending = composio.connected_accounts.get(authorized.id)
assert pending.status == "INITIATED" and pending.user_id == user and pending.toolkit.slug == "backendless"
initiated = composio.connected_accounts.initiate(user, created.id, callback_url="https://example.com/done")
assert initiated.status == "INITIATED" and "/connect/lt_" in (initiated.redirect_url or ""), initiated.redirect_url
assert composio.connected_accounts.get(initiated.id).status == "INITIATED"
connected = composio.connected_accounts.initiate(
    user,
    created.id,
    config={
        "auth_scheme": "API_KEY",
        "val": {"status": "ACTIVE", "app_id": "11111111-2222-3333-4444-555555555555", "rest_api_key": "99999999-8888-7777-6666-555555555555"},
    },
    alias="smoke",
)
assert connected.status == "ACTIVE" and connected.redirect_url is None, (connected.status, connected.redirect_url)
active = composio.connected_accounts.get(connected.id)
assert active.status == "ACTIVE" and active.alias == "smoke"
# With an ACTIVE account on the auth config, the SDK itself asks for allow_multiple.
expect_error(Exception, lambda: composio.connected_accounts.initiate(user, created.id), "allow_multiple")
expect_error(
    composio_client.BadRequestError,
    lambda: composio.connected_accounts.initiate(
        user, created.id, allow_multiple=True, config={"auth_scheme": "API_KEY", "val": {"status": "ACTIVE", "api_key": "k"}}
    ),
    "connection.state.val.api_key",
)
for account_id in (authorized.id, initiated.id, connected.id):
    composio.connected_accounts.delete(account_id)

print("composio resources smoke: ok")
