import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks';
import type { RequestTaskStore } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, Result, Task } from '@modelcontextprotocol/sdk/types.js';

/** How often a Tasks client is told to poll; a reviewer takes seconds at best. */
const POLL_INTERVAL_MS = 2_000;
const DEFAULT_TASK_TTL_MS = 24 * 60 * 60_000;

/**
 * The task store of one client session. `tasks/cancel` lands here as a status change (the SDK's own handler
 * writes it), so this is where a cancel reaches the hub request of the task.
 */
export class GatedTaskStore extends InMemoryTaskStore {
  private readonly cancels = new Map<string, () => void>();

  onCancel(taskId: string, cancel: () => void): void {
    this.cancels.set(taskId, cancel);
  }

  forget(taskId: string): void {
    this.cancels.delete(taskId);
  }

  /** A failed task also says why in its status message, so `tasks/get` alone tells the client `[DENIED] …`. */
  override async storeTaskResult(taskId: string, status: 'completed' | 'failed', result: Result, sessionId?: string): Promise<void> {
    if (status === 'failed') {
      const text = (result as CallToolResult).content?.find((c) => c.type === 'text')?.text;
      if (text) await super.updateTaskStatus(taskId, 'working', text.slice(0, 2000), sessionId);
    }
    await super.storeTaskResult(taskId, status, result, sessionId);
  }

  override async updateTaskStatus(taskId: string, status: Task['status'], statusMessage?: string, sessionId?: string): Promise<void> {
    await super.updateTaskStatus(taskId, status, statusMessage, sessionId);
    if (status === 'cancelled') {
      this.cancels.get(taskId)?.();
      this.cancels.delete(taskId);
    }
  }
}

/** What one gated call reports while it runs as a task. */
export interface TaskRun {
  signal: AbortSignal;
  /** Sets the task's status message while it stays `working`. */
  working(message: string): void;
}

/**
 * Runs a tool call as an MCP task: answers `tools/call` at once with the task (`working`), and settles it later:
 * `completed` with the upstream's result when the tool ran (its own `isError` included), `failed` with the
 * proxy's `[DENIED] …`, `[TIMEOUT] …` or `[… UNAVAILABLE] …` when it did not. A cancelled task stays cancelled.
 */
export async function startTask(
  store: GatedTaskStore,
  requestStore: RequestTaskStore,
  ttl: number | undefined,
  run: (task: TaskRun, ran: () => void) => Promise<CallToolResult>,
): Promise<{ task: Task }> {
  const task = await requestStore.createTask({ ttl: ttl ?? DEFAULT_TASK_TTL_MS, pollInterval: POLL_INTERVAL_MS });
  const abort = new AbortController();
  store.onCancel(task.taskId, () => abort.abort('The client cancelled the task'));
  let didRun = false;
  const working = (message: string) => {
    if (!abort.signal.aborted) requestStore.updateTaskStatus(task.taskId, 'working', message).catch(() => {});
  };
  // Nobody awaits the call: the client polls the task. Every outcome is stored as the task's result, and a result the
  // store cannot take is dropped (the task then expires with its ttl).
  run({ signal: abort.signal, working }, () => (didRun = true))
    .then(async (result) => {
      if (abort.signal.aborted) return;
      await requestStore.storeTaskResult(task.taskId, didRun ? 'completed' : 'failed', result);
    })
    .catch(async (error: unknown) => {
      if (abort.signal.aborted) return;
      const text = `[UPSTREAM UNAVAILABLE] the call failed: ${error instanceof Error ? error.message : String(error)}`;
      await requestStore.storeTaskResult(task.taskId, 'failed', { content: [{ type: 'text', text }], isError: true });
    })
    .finally(() => store.forget(task.taskId))
    .catch(() => {});
  return { task };
}
