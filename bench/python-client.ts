// What a Python agent pays on its first steps through the Composio-compatible API: session create
// (Composio SDK), MCP initialize + first tools/list (the `mcp` SDK, under AutoGen's McpWorkbench), and
// one tool call. Each step timed inside one Python process, so interpreter start-up is not counted.
import { join } from 'node:path';
import { ensurePythonClients } from '../test/clients/python/setup.js';
import { lastJsonLine, runClientProgram } from '../test/helpers/client-program.js';
import { type Summary, summarize } from './stats.js';

export const pythonClientRuns = 30;

export interface PythonClientMeasurement {
  runs: number;
  createSession: Summary;
  initializeAndList: Summary;
  toolCall: Summary;
}

export async function measurePythonClient(baseUrl: string, apiKey: string, log: (line: string) => void): Promise<PythonClientMeasurement> {
  log(`python client: ${pythonClientRuns} runs of create session → initialize + tools/list → one tool call …`);
  const { python } = await ensurePythonClients();
  const run = await runClientProgram(
    python,
    [join(import.meta.dirname, 'python', 'session_steps.py'), String(pythonClientRuns), 'NOTES_GET_NOTE', JSON.stringify({ note_id: 1 })],
    { COMPOSIO_BASE_URL: baseUrl, COMPOSIO_API_KEY: apiKey },
    { timeoutMs: 300_000 },
  );
  if (run.code !== 0) throw new Error(`the Python client benchmark failed:\n${run.stdout}\n${run.stderr}`);
  const steps = lastJsonLine(run) as Record<'create_session' | 'initialize_and_list' | 'tool_call', number[]>;
  const measurement = {
    runs: pythonClientRuns,
    createSession: summarize(steps.create_session),
    initializeAndList: summarize(steps.initialize_and_list),
    toolCall: summarize(steps.tool_call),
  };
  log(
    `python client: create ${measurement.createSession.median.toFixed(1)} ms, initialize + list ${measurement.initializeAndList.median.toFixed(1)} ms, call ${measurement.toolCall.median.toFixed(1)} ms (medians)`,
  );
  return measurement;
}
