import { useEffect, useId, useRef, useState } from 'react';
import { useServices } from '../../app/ConsoleContext';
import type { QueueItem } from '../../domain/queueItem';
import { SafeText } from '../text/SafeText';

/**
 * Critical risk: approving needs the tool name typed, next to the action that was pressed (`confirmLabel` names it).
 * Enter confirms, Escape cancels; focus lands in the field.
 */
export function ConfirmCritical({ item, onConfirm, confirmLabel = 'Approve critical request' }: { item: QueueItem; onConfirm: (typedName: string) => void; confirmLabel?: string }) {
  const { store } = useServices();
  const [typed, setTyped] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const id = useId();
  const toolName = item.record.toolName;
  const matches = typed.trim() === toolName;
  useEffect(() => input.current?.focus(), []);

  return (
    <form
      className="confirm confirm-critical"
      aria-label="Confirm critical-risk approval"
      onSubmit={(e) => {
        e.preventDefault();
        if (matches) onConfirm(typed);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          store.getState().cancelConfirmation();
        }
      }}
    >
      <label htmlFor={id}>
        <strong>Critical risk.</strong> Type the tool name <code className="confirm-name">
          <SafeText text={toolName} />
        </code>{' '}
        to approve.
      </label>
      <div className="confirm-row">
        <input
          ref={input}
          id={id}
          className="confirm-input"
          autoComplete="off"
          spellCheck={false}
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          aria-invalid={typed !== '' && !matches}
        />
        <button type="submit" className="btn btn-approve" disabled={!matches}>
          {confirmLabel}
        </button>
        <button type="button" className="btn" onClick={() => store.getState().cancelConfirmation()}>
          Cancel
        </button>
      </div>
    </form>
  );
}
