"""An AutoGen agent for Bitbucket, through a Switchboard tool-router session.

The same program as Composio's AutoGen guide: it talks to Switchboard because
COMPOSIO_BASE_URL points at it. Environment: COMPOSIO_BASE_URL, COMPOSIO_API_KEY
(a Switchboard API key), USER_ID, OPENAI_API_KEY (and OPENAI_BASE_URL for a
model server other than OpenAI's).
"""

import asyncio
import os

from dotenv import load_dotenv
from composio import Composio

from autogen_agentchat.agents import AssistantAgent
from autogen_ext.models.openai import OpenAIChatCompletionClient
from autogen_ext.tools.mcp import McpWorkbench, StreamableHttpServerParams

load_dotenv()


async def main():
    composio = Composio(api_key=os.getenv("COMPOSIO_API_KEY"))
    session = composio.create(user_id=os.getenv("USER_ID"), toolkits=["bitbucket"])
    url = session.mcp.url

    server_params = StreamableHttpServerParams(
        url=url,
        timeout=30.0,
        sse_read_timeout=300.0,
        terminate_on_close=True,
        headers={"x-api-key": os.getenv("COMPOSIO_API_KEY")},
    )

    model_client = OpenAIChatCompletionClient(model="gpt-5", api_key=os.getenv("OPENAI_API_KEY"))

    async with McpWorkbench(server_params) as workbench:
        agent = AssistantAgent(
            name="bitbucket_assistant",
            description="An AI assistant that helps with Bitbucket operations.",
            model_client=model_client,
            workbench=workbench,
            model_client_stream=True,
            max_tool_iterations=10,
        )

        print("Chat started! Type 'exit' or 'quit' to end the conversation.\n")
        print("Ask any Bitbucket related question or task to the agent.\n")

        while True:
            user_input = input("You: ").strip()
            if user_input.lower() in ["exit", "quit", "bye"]:
                print("\nGoodbye!")
                break
            if not user_input:
                continue

            print("\nAgent is thinking...\n")
            try:
                response_text = ""
                async for message in agent.run_stream(task=user_input):
                    if hasattr(message, "content") and message.content:
                        response_text = message.content
                if response_text:
                    print(f"Agent: {response_text}\n")
                else:
                    print("Agent: I encountered an issue processing your request.\n")
            except Exception as e:
                print(f"Agent: Sorry, I encountered an error: {str(e)}\n")


if __name__ == "__main__":
    asyncio.run(main())
