import { useDeferredValue, useId, useMemo, useState } from 'react';
import { useServices } from '../../app/ConsoleContext';
import { checkEditedArgs, prettyJson } from '../../domain/editedArgs';
import { diffLines } from '../../domain/lineDiff';
import type { QueueItem } from '../../domain/queueItem';
import { useConsoleStore } from '../../app/ConsoleContext';
import { ConfirmCritical } from './ConfirmCritical';
import { DiffView } from './DiffView';
import { ReasonField } from './ReasonField';
import { useDecisionBlocker, useSettling } from './useDecisionBlocker';
import { argsToRun, proposalOf } from '../../domain/proposal';
import { Icon } from '../Icon';

/**
 * Edit & approve: a JSON editor checked as you type, and a diff of the original against the value that
 * will be sent (the parsed edit, printed again), so the agent receives exactly what the diff shows.
 */
export function ArgsEditor({ item }: { item: QueueItem }) {
  const { store, decisions } = useServices();
  // The editor starts from what would run now (a pending proposal, else the agent's arguments); the diff is always
  // against what the agent sent, which is what the agent will be told was changed.
  const agentArgs = useMemo(() => prettyJson(item.record.args), [item.record.args]);
  const original = useMemo(() => prettyJson(argsToRun(item.record)), [item.record]);
  const [text, setText] = useState(original);
  const deferred = useDeferredValue(text);
  const check = useMemo(() => checkEditedArgs(deferred), [deferred]);
  const diff = useMemo(() => (check.ok ? diffLines(agentArgs.split('\n'), check.pretty.split('\n')) : null), [check, agentArgs]);
  const blocker = useDecisionBlocker(item);
  const settling = useSettling(item);
  const editorId = useId();
  const statusId = useId();
  const stale = deferred !== text;
  const unchanged = check.ok && check.pretty === original;
  const changes = diff ? diff.filter((l) => l.kind !== 'same').length : 0;
  const cancel = () => store.getState().stopEditing();
  const confirming = useConsoleStore((s) => (s.confirming?.requestId === item.id && s.confirming.action === 'edit' ? s.confirming.level : null));
  const proposed = proposalOf(item.record) !== null;

  const status = stale
    ? 'Checking…'
    : !check.ok
      ? check.message
      : unchanged
        ? `No changes yet: edit the JSON above, or use Approve for the ${proposed ? 'proposed' : 'original'} arguments.`
        : `Valid JSON object · ${changes} changed ${changes === 1 ? 'line' : 'lines'}. The agent receives exactly the value shown on the right of the diff.`;

  return (
    <>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: Escape bubbling up from the editor's own controls cancels the edit; the wrapper itself never takes focus. */}
      <div className="detail-body editor-body" onKeyDown={(e) => e.key === 'Escape' && cancel()}>
        <div className="editor-grid">
          <div className="field editor-field">
            <label htmlFor={editorId}>Edited arguments (JSON)</label>
            <textarea
              id={editorId}
              className="editor-text"
              spellCheck={false}
              autoCapitalize="off"
              autoCorrect="off"
              // biome-ignore lint/a11y/noAutofocus: the reviewer just pressed Edit; the editor opening with focus is what they asked for.
              autoFocus
              value={text}
              aria-invalid={!check.ok && !stale}
              aria-describedby={statusId}
              onChange={(e) => setText(e.target.value)}
            />
            <p id={statusId} className={`editor-status ${check.ok ? 'editor-ok' : 'editor-error'}`} aria-live="polite">
              <Icon name={check.ok ? 'check' : 'x'} />{' '}
              {status}
            </p>
          </div>
          <div className="editor-diff">
            <h3>Agent’s arguments → edited</h3>
            {diff ? <DiffView lines={diff} /> : <p className="muted">The diff appears once the JSON is valid.</p>}
          </div>
        </div>
      </div>
      <footer className="detail-actions">
        <ReasonField />
        {confirming === 'critical' && check.ok && <ConfirmCritical item={item} confirmLabel="Approve critical request with edited arguments" onConfirm={(typed) => decisions.approveEdited(item.id, check.args, typed)} />}
        <div className="decision-buttons">
          <button
            type="button"
            className={`btn btn-approve${confirming === 'high' ? ' btn-armed' : ''}`}
            disabled={!check.ok || stale || unchanged || blocker !== null || confirming === 'critical'}
            aria-disabled={settling || undefined}
            onClick={() => check.ok && decisions.approveEdited(item.id, check.args)}
          >
            <Icon name="check" />
            {confirming === 'high' ? 'Confirm: approve edited arguments' : 'Approve edited arguments'}
          </button>
          <button type="button" className="btn" onClick={cancel}>
            Cancel edit
          </button>
          <button type="button" className="btn btn-ghost" onClick={() => setText(original)} disabled={text === original}>
            Reset
          </button>
        </div>
        <p className="decision-status" aria-live="polite">
          {blocker ?? (confirming === 'high' ? 'High risk: press “Confirm: approve edited arguments” to approve them, or Cancel edit.' : '')}
        </p>
      </footer>
    </>
  );
}
