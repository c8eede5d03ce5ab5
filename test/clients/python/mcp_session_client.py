"""One MCP session with the official Python SDK (mcp 1.x) over Streamable HTTP, as AutoGen opens it.

Usage: python mcp_session_client.py URL [--header NAME:VALUE]... [--call TOOL JSON_ARGUMENTS]

Connects with `mcp.client.streamable_http.streamablehttp_client` (the entry point autogen-ext's
McpWorkbench uses; it sends DELETE with the Mcp-Session-Id when the context closes, since
terminate_on_close defaults to True), initializes a ClientSession, lists the tools, optionally
calls one, and prints a single JSON line on stdout:

  {"ok": true, "protocol_version": ..., "server_info": {...}, "session_id": ..., "tools": [...], "call": {...}}

On failure it prints {"ok": false, "error_type": ..., "error": ..., "errors": [...]} (every
exception in the chain or group, with the HTTP response body when there was one) and exits 1.
"""

import argparse
import asyncio
import json
import sys
import warnings
from typing import Any

import httpx
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client

# streamablehttp_client is deprecated in favour of streamable_http_client, but it is what
# autogen-ext 0.7.5 calls, so it is the one exercised here.
warnings.filterwarnings("ignore", category=DeprecationWarning)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--header", action="append", default=[], help="NAME:VALUE")
    parser.add_argument("--call", nargs=2, metavar=("TOOL", "JSON_ARGUMENTS"))
    return parser.parse_args()


def describe(error: BaseException) -> list[dict[str, Any]]:
    """Every exception in a group or a cause/context chain, leaf errors with their HTTP body."""
    found: list[dict[str, Any]] = []
    seen: set[int] = set()

    def walk(current: BaseException | None) -> None:
        if current is None or id(current) in seen:
            return
        seen.add(id(current))
        entry: dict[str, Any] = {"type": type(current).__name__, "message": str(current)}
        if isinstance(current, httpx.HTTPStatusError):
            entry["status"] = current.response.status_code
            try:
                entry["body"] = current.response.text
            except httpx.ResponseNotRead:
                entry["body"] = None
        found.append(entry)
        if isinstance(current, BaseExceptionGroup):
            for inner in current.exceptions:
                walk(inner)
        walk(current.__cause__)
        walk(current.__context__)

    walk(error)
    return found


async def run(args: argparse.Namespace) -> dict[str, Any]:
    headers = dict(header.split(":", 1) for header in args.header)
    headers = {name.strip(): value.strip() for name, value in headers.items()}
    async with streamablehttp_client(args.url, headers=headers, timeout=15, sse_read_timeout=30) as (
        read_stream,
        write_stream,
        get_session_id,
    ):
        async with ClientSession(read_stream, write_stream) as session:
            initialized = await session.initialize()
            listed = await session.list_tools()
            result: dict[str, Any] = {
                "ok": True,
                "protocol_version": initialized.protocolVersion,
                "server_info": initialized.serverInfo.model_dump(mode="json"),
                "session_id": get_session_id(),
                "tools": [tool.name for tool in listed.tools],
            }
            if args.call:
                called = await session.call_tool(args.call[0], json.loads(args.call[1]))
                result["call"] = called.model_dump(mode="json", by_alias=True, exclude_none=True)
    return result


def main() -> int:
    args = parse_args()
    try:
        result = asyncio.run(run(args))
    except BaseException as error:  # noqa: BLE001 - everything is reported to the test as JSON
        errors = describe(error)
        print(json.dumps({"ok": False, "error_type": type(error).__name__, "error": str(error), "errors": errors}))
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
