"""The official `composio` SDK against Switchboard, pointed at it by COMPOSIO_BASE_URL and COMPOSIO_API_KEY alone.

Steps (argv[1]), each printing one JSON line for the TypeScript test:
  create USER AUTH_CONFIG          composio.create + session.mcp + session.authorize
  execute USER SESSION_ID          composio.use + session.execute + session.toolkits + connected_accounts.list
  lifecycle USER                   composio.tool_router.create + session.tools() + update + delete
  errors USER SESSION_ID OTHER_KEY what the SDK raises for bad input
"""

import json
import os
import sys

from composio import Composio


def create(user_id: str, auth_config: str) -> dict:
    composio = Composio(api_key=os.environ["COMPOSIO_API_KEY"])
    session = composio.create(user_id=user_id, toolkits=["backendless"], auth_configs={"backendless": auth_config})
    request = session.authorize("backendless")
    return {
        "session_id": session.session_id,
        "mcp_url": session.mcp.url,
        "mcp_headers": dict(session.mcp.headers or {}),
        "redirect_url": request.redirect_url,
        "connected_account_id": request.id,
        "status": request.status,
    }


def execute(user_id: str, session_id: str) -> dict:
    composio = Composio(api_key=os.environ["COMPOSIO_API_KEY"])
    session = composio.use(session_id)
    result = session.execute("BACKENDLESS_DIRECTORY_LISTING", arguments={"path": "/"})
    toolkits = session.toolkits()
    accounts = composio.connected_accounts.list(user_ids=[user_id])
    return {
        "result": {"data": result.data, "error": result.error, "log_id": result.log_id},
        "toolkits": [
            {"slug": item.slug, "active": bool(item.connection and item.connection.is_active)} for item in toolkits.items
        ],
        "accounts": [{"id": item.id, "status": item.status, "toolkit": item.toolkit.slug} for item in accounts.items],
    }


def lifecycle(user_id: str) -> dict:
    composio = Composio(api_key=os.environ["COMPOSIO_API_KEY"])
    session = composio.tool_router.create(user_id=user_id, toolkits=["backendless"])
    tools = session.tools()  # the meta-tools, wrapped by the default (OpenAI) provider
    updated = session.update(toolkits={"enable": ["backendless", "bitbucket"]})
    again = composio.use(session.session_id)
    found = again.search(query="create a branch in a bitbucket repository")
    session.delete()
    gone = failure("use after delete", lambda: composio.use(session.session_id))
    return {
        "tool_names": [tool["function"]["name"] for tool in tools],
        "updated_toolkits": updated.toolkits.enabled if updated.toolkits else None,
        "search_after_update": found.results[0].primary_tool_slugs,
        "after_delete": gone,
    }


def failure(case: str, action) -> dict:
    try:
        action()
    except Exception as error:  # the point: which of the SDK's own exception types, with which message
        return {"case": case, "type": type(error).__name__, "module": type(error).__module__, "message": str(error)}
    return {"case": case, "type": None, "module": None, "message": "no error"}


def errors(user_id: str, session_id: str, other_key: str) -> dict:
    composio = Composio(api_key=os.environ["COMPOSIO_API_KEY"])
    wrong = Composio(api_key="sk_" + "0" * 42)
    other = Composio(api_key=other_key)
    session = composio.use(session_id)
    return {
        "errors": [
            failure("wrong key", lambda: wrong.create(user_id=user_id, toolkits=["backendless"])),
            failure("unknown toolkit", lambda: composio.create(user_id=user_id, toolkits=["no_such_app"])),
            failure("unknown tool", lambda: session.execute("BACKENDLESS_NO_SUCH_TOOL", arguments={})),
            failure("another user's session", lambda: other.use(session_id).execute("BACKENDLESS_DIRECTORY_LISTING", arguments={"path": "/"})),
            failure("malformed config", lambda: composio.create(user_id=user_id, toolkits=["backendless"], tools={"backendless": {"enable": "not-a-list"}})),
        ]
    }


if __name__ == "__main__":
    step, *args = sys.argv[1:]
    output = {"create": create, "execute": execute, "lifecycle": lifecycle, "errors": errors}[step](*args)
    print(json.dumps(output, default=str))
