"""Per-step latency of what a Python agent does first: create a session with the Composio SDK, open the
MCP session and list its tools with the `mcp` SDK (what AutoGen's McpWorkbench runs on), call one tool.

Usage: session_steps.py RUNS TOOL_SLUG ARGUMENTS_JSON (COMPOSIO_BASE_URL and COMPOSIO_API_KEY set).
Prints one JSON line: milliseconds per step and run.
"""

import asyncio
import json
import os
import sys
import time

from composio import Composio
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client


async def one_run(composio: Composio, tool: str, arguments: dict) -> dict:
    started = time.perf_counter()
    session = composio.create(user_id="bench-user", toolkits=[tool.split("_")[0].lower()])
    created = time.perf_counter()
    headers = {"x-api-key": os.environ["COMPOSIO_API_KEY"]}
    async with streamablehttp_client(session.mcp.url, headers=headers) as (read, write, _):
        async with ClientSession(read, write) as client:
            await client.initialize()
            listed = await client.list_tools()
            if not any(item.name == "COMPOSIO_MULTI_EXECUTE_TOOL" for item in listed.tools):
                raise RuntimeError("the session does not list COMPOSIO_MULTI_EXECUTE_TOOL")
            first_list = time.perf_counter()
            result = await client.call_tool(
                "COMPOSIO_MULTI_EXECUTE_TOOL",
                {"tools": [{"tool_slug": tool, "arguments": arguments}], "sync_response_to_workbench": False},
            )
            called = time.perf_counter()
            body = json.loads(result.content[0].text)
            if not body["data"]["results"][0]["response"]["successful"]:
                raise RuntimeError(f"the tool call failed: {body}")
    return {
        "create_session": (created - started) * 1000,
        "initialize_and_list": (first_list - created) * 1000,
        "tool_call": (called - first_list) * 1000,
    }


async def main() -> None:
    runs, tool, arguments = int(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
    composio = Composio(api_key=os.environ["COMPOSIO_API_KEY"])
    await one_run(composio, tool, arguments)  # warm-up
    results = [await one_run(composio, tool, arguments) for _ in range(runs)]
    print(json.dumps({step: [run[step] for run in results] for step in results[0]}))


asyncio.run(main())
